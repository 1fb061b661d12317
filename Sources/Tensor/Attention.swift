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
        causal([Query(q: q, tokens: tokens, firstPosition: firstPosition, cache: cache, out: out)], heads: heads,
               kvHeads: kvHeads, headDim: headDim, scale: scale, window: window, pool: pool)
    }

    /// One sequence's part of a batched `causal`: `tokens` queries (`(tokens, heads, headDim)`) at
    /// positions `firstPosition…` over its own `cache`, written to `out`.
    public struct Query {
        public let q: UnsafePointer<Float>
        public let tokens: Int
        public let firstPosition: Int
        public let cache: Cache
        public let out: UnsafeMutablePointer<Float>

        public init(q: UnsafePointer<Float>, tokens: Int, firstPosition: Int, cache: Cache, out: UnsafeMutablePointer<Float>) {
            self.q = q
            self.tokens = tokens
            self.firstPosition = firstPosition
            self.cache = cache
            self.out = out
        }
    }

    /// `causal` for several sequences at once, each over its own cache (a decode batch): the
    /// short ones share one dispatch to the pool instead of one each, with the same arithmetic
    /// per head whichever way the heads are split into jobs, so the results equal `causal`
    /// query by query bit for bit.
    public static func causal(
        _ queries: [Query], heads: Int, kvHeads: Int, headDim: Int, scale: Float, window: Int? = nil, pool: ThreadPool
    ) {
        var rows: [(query: Int, token: Int)] = []
        var maxKeys = 0
        for (index, query) in queries.enumerated() {
            if query.tokens >= blockedMinTokens {
                causalBlocked(q: query.q, tokens: query.tokens, firstPosition: query.firstPosition, cache: query.cache,
                              heads: heads, kvHeads: kvHeads, headDim: headDim, scale: scale, window: window, out: query.out,
                              pool: pool)
                continue
            }
            for t in 0..<query.tokens { rows.append((index, t)) }
            maxKeys = max(maxKeys, query.firstPosition + query.tokens)
        }
        guard !rows.isEmpty else { return }
        let group = max(1, heads / max(1, kvHeads))
        // With enough rows (a decode batch), a job is the query heads that share one KV head, at
        // most four: each value row is then loaded once for all of them, and each key row comes
        // from L1 after the first. With few rows, a job is one head, so both threads have work.
        let perGroup = min(group, 4)
        let grouped = perGroup > 1 && headDim % 16 == 0 && heads == group * kvHeads
            && rows.count * heads / perGroup >= 3 * pool.threadCount
        let width = grouped ? perGroup : 1
        let subgroups = (group + width - 1) / width
        let unitsPerRow = grouped ? kvHeads * subgroups : heads
        let units = rows.count * unitsPerRow
        // Pieces of jobs, about four per thread, handed out dynamically.
        pool.forEachChunk(units, chunk: max(1, units / (4 * pool.threadCount))) { range in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: maxKeys * width)
            defer { scores.deallocate() }
            for unit in range {
                let (index, t) = rows[unit / unitsPerRow]
                let query = queries[index]
                let q = query.q + t * heads * headDim, out = query.out + t * heads * headDim
                let position = query.firstPosition + t
                guard grouped else {
                    head(unit % unitsPerRow, q: q, position: position, cache: query.cache, heads: heads, kvHeads: kvHeads,
                         headDim: headDim, scale: scale, window: window, scores: scores, out: out)
                    continue
                }
                // Sub-groups of `width` heads within each KV head's group.
                let slot = unit % unitsPerRow
                let kvHead = slot / subgroups, first = kvHead * group + (slot % subgroups) * width
                let count = min(width, (kvHead + 1) * group - first)
                guard count > 0 else { continue }
                headGroup(first, count: count, q: q, position: position, cache: query.cache, kvOffset: kvHead * headDim,
                          kvStride: kvHeads * headDim, headDim: headDim, scale: scale, window: window, scores: scores,
                          scoreStride: maxKeys, out: out)
            }
        }
    }

    /// Heads `h0..<h0 + count` (1…4, all reading the KV head at `kvOffset`) of one query token
    /// at `position`: the arithmetic of `head` for each, with every value row loaded (and
    /// converted from f16) once for all of them and the outputs kept in registers.
    /// `headDim` must be a multiple of 16; `scores` holds `count × scoreStride` floats.
    @inline(__always)
    private static func headGroup(
        _ h0: Int, count: Int, q: UnsafePointer<Float>, position: Int, cache: Cache, kvOffset: Int, kvStride: Int,
        headDim: Int, scale: Float, window: Int?, scores: UnsafeMutablePointer<Float>, scoreStride: Int,
        out: UnsafeMutablePointer<Float>
    ) {
        let first = window.map { max(0, position - $0 + 1) } ?? 0
        let half = cache.type == .f16
        for j in 0..<count {
            keyScores(q: q + (h0 + j) * headDim, cache: cache, kvStride: kvStride, kvOffset: kvOffset, headDim: headDim,
                      first: first, last: position, scale: scale, scores: scores + j * scoreStride)
        }
        let s0 = scores, s1 = scores + scoreStride, s2 = scores + 2 * scoreStride, s3 = scores + 3 * scoreStride
        let n = position - first + 1
        for j in 0..<count { Ops.softmax(scores + j * scoreStride + first, n: n) }
        var d = 0
        while d < headDim {
            var o0 = SIMD16<Float>(), o1 = SIMD16<Float>(), o2 = SIMD16<Float>(), o3 = SIMD16<Float>()
            for k in first...position {
                if d == 0 && k + 8 <= position { prefetchRow(cache, values: true, (k + 8) * kvStride + kvOffset, headDim) }
                let value = row16(cache.values, half: half, k * kvStride + kvOffset + d)
                o0 = o0 + s0[k] * value
                if count > 1 { o1 = o1 + s1[k] * value }
                if count > 2 { o2 = o2 + s2[k] * value }
                if count > 3 { o3 = o3 + s3[k] * value }
            }
            @inline(__always) func store(_ o: SIMD16<Float>, _ j: Int) {
                UnsafeMutableRawPointer(out + (h0 + j) * headDim + d).storeBytes(of: o, as: SIMD16<Float>.self)
            }
            store(o0, 0)
            if count > 1 { store(o1, 1) }
            if count > 2 { store(o2, 2) }
            if count > 3 { store(o3, 3) }
            d += 16
        }
    }

    /// Head `h` of one query token at `position`: `q` and `out` point at the token's row.
    @inline(__always)
    private static func head(
        _ h: Int, q: UnsafePointer<Float>, position: Int, cache: Cache, heads: Int, kvHeads: Int, headDim: Int,
        scale: Float, window: Int?, scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>
    ) {
        let group = max(1, heads / max(1, kvHeads))
        let kvStride = kvHeads * headDim
        let first = window.map { max(0, position - $0 + 1) } ?? 0
        let qv = q + h * headDim
        let kvOffset = (h / group) * headDim
        keyScores(q: qv, cache: cache, kvStride: kvStride, kvOffset: kvOffset, headDim: headDim, first: first, last: position,
                  scale: scale, scores: scores)
        Ops.softmax(scores + first, n: position - first + 1)
        let o = out + h * headDim
        o.update(repeating: 0, count: headDim)
        for k in first...position {
            addValue(cache, k * kvStride + kvOffset, weight: scores[k], headDim, into: o)
        }
    }

    // Float reductions do not auto-vectorise (it would reassociate), hence the explicit SIMD16.

    @inline(__always)
    static func dotKey(_ q: UnsafePointer<Float>, _ cache: Cache, _ offset: Int, _ n: Int) -> Float {
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
