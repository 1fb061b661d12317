#if SWIFTLLM_AVX2
import _Builtin_intrinsics.intel

/// The AVX2 kernels of the 32-element block types (bit-identical to `PortableDot`, see `AVX2Dot`).
///
/// Eight blocks are unpacked to one byte vector each, then every activation row takes the eight
/// integer sums (`vpmaddubsw` + `vpmaddwd`, reduced together), subtracts the offset (−8, −16) as
/// offset·Σq from its `ActivationTail`, and forms the eight products d·d′·s (+ m·s′) in one vector.
extension AVX2Dot {
    static func q4_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q4_0
        legacy(w, a, stride, count, n, out, outStride, size: L.size, activation: .q8_0, offsetShift: 3,
               minField: nil, signed: false) { x in nibbles(x + L.qs) }
    }

    static func q4_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q4_1
        legacy(w, a, stride, count, n, out, outStride, size: L.size, activation: .q8_1, offsetShift: 0,
               minField: L.m, signed: false) { x in nibbles(x + L.qs) }
    }

    static func q5_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q5_0
        legacy(w, a, stride, count, n, out, outStride, size: L.size, activation: .q8_0, offsetShift: 4,
               minField: nil, signed: false) { x in _mm256_or_si256(nibbles(x + L.qs), fifthBits(Field.u32(x, L.qh))) }
    }

    static func q5_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q5_1
        legacy(w, a, stride, count, n, out, outStride, size: L.size, activation: .q8_1, offsetShift: 0,
               minField: L.m, signed: false) { x in _mm256_or_si256(nibbles(x + L.qs), fifthBits(Field.u32(x, L.qh))) }
    }

    static func q8_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q8_0
        legacy(w, a, stride, count, n, out, outStride, size: L.size, activation: .q8_0, offsetShift: 0,
               minField: nil, signed: true) { x in load256(x + L.qs) }
    }

    /// Σ w·y of one block: unsigned weights times the activation bytes, or, for signed weights,
    /// |w| times y with w's signs moved onto y.
    @inline(__always) static func blockDot(_ wq: __m256i, _ y: UnsafeRawPointer, signed: Bool) -> __m256i {
        let yq = load256(y)
        return signed ? dotBytes(_mm256_sign_epi8(wq, wq), _mm256_sign_epi8(yq, wq)) : dotBytes(wq, yq)
    }

    /// `count` activation rows (`stride` bytes apart, in `activation` format with its tail) times
    /// one weight row of `n` elements in blocks of `size` bytes; result `r` goes to
    /// `out[r · outStride]`. `unpack` gives a block's weights as 32 bytes; `offsetShift` k means
    /// the stored value is q − 2^k; `minField` is the offset of the block's f16 `m`, if any.
    @inline(__always)
    static func legacy(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                       _ out: UnsafeMutablePointer<Float>, _ outStride: Int,
                       size: Int, activation: GGMLType, offsetShift: Int32, minField: Int?, signed: Bool,
                       unpack: (UnsafeRawPointer) -> __m256i) {
        let blocks = n / 32, groups = blocks / 8, activationSize = activation.typeSize
        // Each row's eight block products of a group, so that eight rows' products are added to
        // their running sums with one transpose (`addColumns`) instead of lane by lane per row.
        withUnsafeTemporaryAllocation(of: __m256.self, capacity: 8) { buffer in
            let products = buffer.baseAddress!
            products.initialize(repeating: _mm256_setzero_ps(), count: 8)
            var first = 0
            while first < count {
                let rows = Swift.min(rowGroup, count - first)
                var sums = _mm256_setzero_ps()
                var single: Float = 0   // one row: its products added lane by lane (no transpose)
                for g in 0..<groups {
                    let x = w + 8 * g * size
                    let w0 = unpack(x), w1 = unpack(x + size), w2 = unpack(x + 2 * size), w3 = unpack(x + 3 * size)
                    let w4 = unpack(x + 4 * size), w5 = unpack(x + 5 * size), w6 = unpack(x + 6 * size), w7 = unpack(x + 7 * size)
                    let dx = SIMD8<Float>(
                        Field.scale(x, 0), Field.scale(x + size, 0), Field.scale(x + 2 * size, 0), Field.scale(x + 3 * size, 0),
                        Field.scale(x + 4 * size, 0), Field.scale(x + 5 * size, 0), Field.scale(x + 6 * size, 0),
                        Field.scale(x + 7 * size, 0))
                    let mx = minField.map { m in
                        SIMD8<Float>(
                            Field.scale(x, m), Field.scale(x + size, m), Field.scale(x + 2 * size, m), Field.scale(x + 3 * size, m),
                            Field.scale(x + 4 * size, m), Field.scale(x + 5 * size, m), Field.scale(x + 6 * size, m),
                            Field.scale(x + 7 * size, m))
                    }
                    for t in 0..<rows {
                        let tail = ActivationTail.parts(a + (first + t) * stride, blocks: blocks, size: activationSize)
                        let y = tail.quants + 256 * g
                        var s = reduce8(blockDot(w0, y, signed: signed), blockDot(w1, y + 32, signed: signed),
                                        blockDot(w2, y + 64, signed: signed), blockDot(w3, y + 96, signed: signed),
                                        blockDot(w4, y + 128, signed: signed), blockDot(w5, y + 160, signed: signed),
                                        blockDot(w6, y + 192, signed: signed), blockDot(w7, y + 224, signed: signed))
                        if offsetShift != 0 {
                            s = _mm256_sub_epi32(s, _mm256_sll_epi32(load256(tail.second + 32 * g), _mm_cvtsi32_si128(offsetShift)))
                        }
                        var p = _mm256_mul_ps(_mm256_mul_ps(dx, loadFloats(tail.scales + 32 * g)), _mm256_cvtepi32_ps(s))
                        if let mx { p = _mm256_add_ps(p, _mm256_mul_ps(mx, loadFloats(tail.second + 32 * g))) }
                        if rows == 1 { single = addLanes(single, p) } else { products[t] = p }
                    }
                    if rows > 1 { sums = addColumns(sums, products) }
                }
                var partial = sums
                if rows == 1 { partial[0] = single }
                for b in (8 * groups)..<blocks {
                    let x = w + b * size
                    let wq = unpack(x), dx = Field.scale(x, 0)
                    for t in 0..<rows {
                        let tail = ActivationTail.parts(a + (first + t) * stride, blocks: blocks, size: activationSize)
                        var s = hsum(blockDot(wq, tail.quants + 32 * b, signed: signed))
                        if offsetShift != 0 { s &-= tail.second.loadUnaligned(fromByteOffset: 4 * b, as: Int32.self) &<< offsetShift }
                        var p = dx * tail.scales.loadUnaligned(fromByteOffset: 4 * b, as: Float.self) * Float(s)
                        if let m = minField {
                            p = p + Field.scale(x, m) * tail.second.loadUnaligned(fromByteOffset: 4 * b, as: Float.self)
                        }
                        partial[t] += p
                    }
                }
                for t in 0..<rows { out[(first + t) * outStride] = partial[t] }
                first += rows
            }
        }
    }

    /// `sums` plus the eight products of each of eight rows, lane r taking row r's products in
    /// block order: sums[r] + p_r[0] + p_r[1] + … + p_r[7], added one at a time as the portable
    /// loop adds them (an 8×8 transpose, then eight vector additions).
    @inline(__always) static func addColumns(_ sums: __m256, _ rows: UnsafePointer<__m256>) -> __m256 {
        let t0 = _mm256_unpacklo_ps(rows[0], rows[1]), t1 = _mm256_unpackhi_ps(rows[0], rows[1])
        let t2 = _mm256_unpacklo_ps(rows[2], rows[3]), t3 = _mm256_unpackhi_ps(rows[2], rows[3])
        let t4 = _mm256_unpacklo_ps(rows[4], rows[5]), t5 = _mm256_unpackhi_ps(rows[4], rows[5])
        let t6 = _mm256_unpacklo_ps(rows[6], rows[7]), t7 = _mm256_unpackhi_ps(rows[6], rows[7])
        @inline(__always) func pairs(_ a: __m256, _ b: __m256, high: Bool) -> SIMD8<Float> {
            let (x, y) = (_mm256_castps_pd(a), _mm256_castps_pd(b))
            return _mm256_castpd_ps(high ? _mm256_unpackhi_pd(x, y) : _mm256_unpacklo_pd(x, y))
        }
        // u_k: column k of rows 0–3 in the low half, column k + 4 in the high half; v_k the same for rows 4–7.
        let u0 = pairs(t0, t2, high: false), u1 = pairs(t0, t2, high: true), u2 = pairs(t1, t3, high: false), u3 = pairs(t1, t3, high: true)
        let v0 = pairs(t4, t6, high: false), v1 = pairs(t4, t6, high: true), v2 = pairs(t5, t7, high: false), v3 = pairs(t5, t7, high: true)
        var s = sums
        s += SIMD8(lowHalf: u0.lowHalf, highHalf: v0.lowHalf)
        s += SIMD8(lowHalf: u1.lowHalf, highHalf: v1.lowHalf)
        s += SIMD8(lowHalf: u2.lowHalf, highHalf: v2.lowHalf)
        s += SIMD8(lowHalf: u3.lowHalf, highHalf: v3.lowHalf)
        s += SIMD8(lowHalf: u0.highHalf, highHalf: v0.highHalf)
        s += SIMD8(lowHalf: u1.highHalf, highHalf: v1.highHalf)
        s += SIMD8(lowHalf: u2.highHalf, highHalf: v2.highHalf)
        s += SIMD8(lowHalf: u3.highHalf, highHalf: v3.highHalf)
        return s
    }
}
#endif
