/// Causal multi-head attention of new query tokens over a KV cache.
public enum Attention {
    /// A KV cache layer: keys and values for positions 0…, each position `kvHeads × headDim`
    /// elements of `type` (`.f32` or `.f16`), position after position.
    public struct Cache {
        /// Keys, `(positions, kvHeads, headDim)`.
        public let keys: UnsafeRawPointer
        /// Values, `(positions, kvHeads, headDim)`.
        public let values: UnsafeRawPointer
        /// Element type of both: `.f32` or `.f16`.
        public let type: GGMLType

        /// Describes a cache layer; `type` must be `.f32` or `.f16`.
        public init(keys: UnsafeRawPointer, values: UnsafeRawPointer, type: GGMLType) throws(KernelError) {
            guard type == .f32 || type == .f16 else { throw .unsupportedType(type, operation: "KV cache") }
            self.keys = keys
            self.values = values
            self.type = type
        }
    }

    /// Computes softmax(scale·q·kᵀ)·v for `tokens` queries at positions `firstPosition…`.
    ///
    /// - `q`: `(tokens, heads, headDim)`; `out`: `(tokens, heads, headDim)`.
    /// - The cache must already hold keys and values for positions `0..<firstPosition + tokens`.
    /// - Query head h reads KV head `h / (heads / kvHeads)` (grouped-query attention).
    /// - Query at position p sees keys k with k ≤ p and, when `window` is set, p − k < window.
    public static func causal(
        q: UnsafePointer<Float>, tokens: Int, firstPosition: Int, cache: Cache,
        heads: Int, kvHeads: Int, headDim: Int, scale: Float, window: Int? = nil,
        out: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) {
        if tokens >= blockedMinTokens {
            causalBlocked(q: q, tokens: tokens, firstPosition: firstPosition, cache: cache, heads: heads, kvHeads: kvHeads,
                          headDim: headDim, scale: scale, window: window, out: out, pool: pool)
            return
        }
        let group = max(1, heads / max(1, kvHeads))
        let kvStride = kvHeads * headDim
        let maxKeys = firstPosition + tokens
        pool.run { worker, workers in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: maxKeys)
            defer { scores.deallocate() }
            for job in ThreadPool.split(tokens * heads, worker: worker, of: workers) {
                let t = job / heads, h = job % heads
                let position = firstPosition + t
                let first = window.map { max(0, position - $0 + 1) } ?? 0
                let qv = q + (t * heads + h) * headDim
                let kvOffset = (h / group) * headDim
                for k in first...position {
                    scores[k] = scale * dotKey(qv, cache, k * kvStride + kvOffset, headDim)
                }
                Ops.softmax(scores + first, n: position - first + 1)
                let o = out + (t * heads + h) * headDim
                o.update(repeating: 0, count: headDim)
                for k in first...position {
                    addValue(cache, k * kvStride + kvOffset, weight: scores[k], headDim, into: o)
                }
            }
        }
    }

    // Float reductions do not auto-vectorise (it would reassociate), hence the explicit SIMD16.

    @inline(__always)
    private static func dotKey(_ q: UnsafePointer<Float>, _ cache: Cache, _ offset: Int, _ n: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        var sum: Float = 0
        if cache.type == .f32 {
            let k = UnsafeRawPointer(cache.keys.assumingMemoryBound(to: Float.self) + offset)
            while i + 16 <= n {
                acc += UnsafeRawPointer(q + i).loadUnaligned(as: SIMD16<Float>.self)
                    * k.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                i += 16
            }
            sum = acc.sum()
            while i < n { sum += q[i] * k.load(fromByteOffset: 4 * i, as: Float.self); i += 1 }
        } else {
            let k = UnsafeRawPointer(cache.keys.assumingMemoryBound(to: UInt16.self) + offset)
            while i + 16 <= n {
                acc += UnsafeRawPointer(q + i).loadUnaligned(as: SIMD16<Float>.self) * HalfConversion.float16(k + 2 * i)
                i += 16
            }
            sum = acc.sum()
            while i < n { sum += q[i] * HalfConversion.float(k.load(fromByteOffset: 2 * i, as: UInt16.self)); i += 1 }
        }
        return sum
    }

    @inline(__always)
    private static func addValue(
        _ cache: Cache, _ offset: Int, weight: Float, _ n: Int, into o: UnsafeMutablePointer<Float>
    ) {
        if cache.type == .f32 {
            let v = cache.values.assumingMemoryBound(to: Float.self) + offset
            for i in 0..<n { o[i] += weight * v[i] }
        } else {
            let v = UnsafeRawPointer(cache.values.assumingMemoryBound(to: UInt16.self) + offset)
            var i = 0
            while i + 16 <= n {
                let sum = UnsafeRawPointer(o + i).loadUnaligned(as: SIMD16<Float>.self) + weight * HalfConversion.float16(v + 2 * i)
                UnsafeMutableRawPointer(o + i).storeBytes(of: sum, as: SIMD16<Float>.self)
                i += 16
            }
            while i < n { o[i] += weight * HalfConversion.float(v.load(fromByteOffset: 2 * i, as: UInt16.self)); i += 1 }
        }
    }
}
