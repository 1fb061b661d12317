import CBLAS
import Synchronization

extension Attention {
    /// From this many query tokens on, `causal` computes attention as matrix products.
    public static let blockedMinTokens = 16

    /// Query tokens per block of `causalBlocked`.
    static let queryBlock = 64

    /// `causal` for many query tokens (prefill): for each KV head and block of up to 64 query
    /// tokens, the block's keys and values are gathered once as F32 rows, then per query head
    /// S = scale·Q·Kᵀ and O = softmax(S)·V are two `cblas_sgemm` calls, with the causal and
    /// sliding-window limits applied row by row before the softmax. Same arithmetic as the
    /// per-token path up to summation order.
    static func causalBlocked(
        q: UnsafePointer<Float>, tokens: Int, firstPosition: Int, cache: Cache,
        heads: Int, kvHeads: Int, headDim: Int, scale: Float, window: Int?,
        out: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        MatMul.useSingleThreadedBLAS()
        let group = max(1, heads / max(1, kvHeads))
        let kvStride = kvHeads * headDim
        let qStride = heads * headDim
        let blocks = (tokens + queryBlock - 1) / queryBlock
        let jobs = blocks * kvHeads
        let next = Atomic<Int>(0)
        pool.run { _, _ in
            // Widest key range of a block: the window plus the block, or everything so far.
            let maxKeys = min(firstPosition + tokens, (window ?? .max / 2) + queryBlock)
            let keys = UnsafeMutablePointer<Float>.allocate(capacity: 2 * maxKeys * headDim + queryBlock * maxKeys)
            defer { keys.deallocate() }
            let values = keys + maxKeys * headDim, scores = values + maxKeys * headDim
            while true {
                let job = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard job < jobs else { break }
                // Last blocks first: they have the most keys, so the tail of the run stays balanced.
                let block = blocks - 1 - job / kvHeads, kvHead = job % kvHeads
                let t0 = block * queryBlock, rows = min(queryBlock, tokens - t0)
                let p0 = firstPosition + t0, pEnd = p0 + rows
                let kLo = window.map { max(0, p0 - $0 + 1) } ?? 0
                let n = pEnd - kLo
                gather(cache.keys, cache.type, from: kLo, count: n, offset: kvHead * headDim, stride: kvStride, headDim, into: keys)
                gather(cache.values, cache.type, from: kLo, count: n, offset: kvHead * headDim, stride: kvStride, headDim, into: values)
                for h in (kvHead * group)..<((kvHead + 1) * group) {
                    let qh = q + t0 * qStride + h * headDim
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(headDim),
                                scale, qh, Int32(qStride), keys, Int32(headDim), 0, scores, Int32(n))
                    for i in 0..<rows {
                        let p = p0 + i
                        let lo = (window.map { max(0, p - $0 + 1) } ?? 0) - kLo, hi = p - kLo + 1
                        let row = scores + i * n
                        row.update(repeating: 0, count: lo)
                        Ops.softmax(row + lo, n: hi - lo)
                        (row + hi).update(repeating: 0, count: n - hi)
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(headDim), Int32(n),
                                1, scores, Int32(n), values, Int32(headDim), 0, out + t0 * qStride + h * headDim, Int32(qStride))
                }
            }
        }
    }

    /// Copies `count` positions of one KV head (`headDim` values at `offset`, positions `stride`
    /// elements apart) as contiguous F32 rows.
    private static func gather(_ base: UnsafeRawPointer, _ type: GGMLType, from first: Int, count: Int, offset: Int,
                               stride: Int, _ headDim: Int, into destination: UnsafeMutablePointer<Float>) {
        for j in 0..<count {
            let element = (first + j) * stride + offset
            if type == .f16 {
                HalfConversion.convert(base + 2 * element, destination + j * headDim, count: headDim)
            } else {
                (destination + j * headDim).update(from: base.assumingMemoryBound(to: Float.self) + element, count: headDim)
            }
        }
    }
}
