#if SWIFTLLM_AVX2
import _Builtin_intrinsics.intel

/// The AVX2 kernels of the 32-element block types, in the avx512 tier's order of arithmetic.
///
/// Each group of eight weight blocks is rearranged once, for all the activation rows of a call,
/// so that 32-bit lane j of each of eight registers holds four quants of block j: register m
/// holds quants 4m…4m+3, the layout of the activations' interleaved copy
/// (`ActivationTail.interleaved`). Then one activation row's eight block sums take eight
/// `vpmaddubsw` against its interleaved quants, their 16-bit sums added while they cannot
/// overflow (`int16Terms` registers), and one `vpmaddwd`: lane j is block j's Σq·a, with no
/// horizontal sum. The float steps are the avx512 tier's (`X86Dot.blockSum`): d_w·d_a·Σ
/// (+ m_w·s_a) of eight blocks at once into a per-row accumulator of eight lanes; at the end of
/// the row its lanes' sum, then the blocks of a last partial group added to it one at a time.
///
/// Every path (one activation row or several, one weight row or a band) runs these same steps,
/// so a row computed in a batch has the bits it has alone. Against the portable loop, which adds
/// each block's product to the sum in order, only the float additions' order differs (the
/// integer sums are exact in any order): `MatMulTests` bounds the difference, and the model
/// tests hold llama.cpp's outputs as on the other tiers. The portable order cost this tier more
/// than half its speed (eight dependent scalar additions per group and row, and a transpose per
/// group in batches). A first form that folded the partial group into the lanes (zeros in the
/// missing ones) was as fast but moved one of Gemma3's clear greedy steps (llama.cpp's margin
/// 0.84) in `RealModelFidelityTests`: matching the avx512 tier keeps the figures that tier has.
extension AVX2Dot {
    static func q4_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        q4_0Band(w, 0, 1, a, stride, count, n, out, outStride)
    }

    static func q4_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        q4_1Band(w, 0, 1, a, stride, count, n, out, outStride)
    }

    static func q5_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        q5_0Band(w, 0, 1, a, stride, count, n, out, outStride)
    }

    static func q5_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        q5_1Band(w, 0, 1, a, stride, count, n, out, outStride)
    }

    static func q8_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        q8_0Band(w, 0, 1, a, stride, count, n, out, outStride)
    }

    static func q4_0Band(_ w: UnsafeRawPointer, _ rowBytes: Int, _ weightRows: Int, _ a: UnsafeRawPointer, _ stride: Int,
                         _ count: Int, _ n: Int, _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q4_0
        withUnsafeTemporaryAllocation(of: __m256.self, capacity: 2 * max(count, 1)) { scratch in
            legacyBand(.q4_0, w, rowBytes, weightRows, a, stride, count, n, out, outStride, scratch.baseAddress.unsafelyUnwrapped) {
                interleavedQ4($0, present: $1, size: L.size, qs: L.qs)
            }
        }
    }

    static func q4_1Band(_ w: UnsafeRawPointer, _ rowBytes: Int, _ weightRows: Int, _ a: UnsafeRawPointer, _ stride: Int,
                         _ count: Int, _ n: Int, _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q4_1
        withUnsafeTemporaryAllocation(of: __m256.self, capacity: 2 * max(count, 1)) { scratch in
            legacyBand(.q4_1, w, rowBytes, weightRows, a, stride, count, n, out, outStride, scratch.baseAddress.unsafelyUnwrapped) {
                interleavedQ4($0, present: $1, size: L.size, qs: L.qs)
            }
        }
    }

    static func q5_0Band(_ w: UnsafeRawPointer, _ rowBytes: Int, _ weightRows: Int, _ a: UnsafeRawPointer, _ stride: Int,
                         _ count: Int, _ n: Int, _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q5_0
        withUnsafeTemporaryAllocation(of: __m256.self, capacity: 2 * max(count, 1)) { scratch in
            legacyBand(.q5_0, w, rowBytes, weightRows, a, stride, count, n, out, outStride, scratch.baseAddress.unsafelyUnwrapped) {
                interleavedQ5($0, present: $1, size: L.size, qh: L.qh, qs: L.qs)
            }
        }
    }

    static func q5_1Band(_ w: UnsafeRawPointer, _ rowBytes: Int, _ weightRows: Int, _ a: UnsafeRawPointer, _ stride: Int,
                         _ count: Int, _ n: Int, _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q5_1
        withUnsafeTemporaryAllocation(of: __m256.self, capacity: 2 * max(count, 1)) { scratch in
            legacyBand(.q5_1, w, rowBytes, weightRows, a, stride, count, n, out, outStride, scratch.baseAddress.unsafelyUnwrapped) {
                interleavedQ5($0, present: $1, size: L.size, qh: L.qh, qs: L.qs)
            }
        }
    }

    static func q8_0Band(_ w: UnsafeRawPointer, _ rowBytes: Int, _ weightRows: Int, _ a: UnsafeRawPointer, _ stride: Int,
                         _ count: Int, _ n: Int, _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q8_0
        withUnsafeTemporaryAllocation(of: __m256.self, capacity: 2 * max(count, 1)) { scratch in
            legacyBand(.q8_0, w, rowBytes, weightRows, a, stride, count, n, out, outStride, scratch.baseAddress.unsafelyUnwrapped) {
                interleavedQ8($0, present: $1, size: L.size, qs: L.qs)
            }
        }
    }

    /// One 32-element weight format: block bytes, activation format and how its quants are
    /// multiplied (its values are constants in each kernel, folded into its code).
    struct LegacyFormat {
        /// Bytes of a weight block, and of an activation block (Q8_0 or Q8_1: the tail's second
        /// field is Σq or s).
        let size: Int, activationSize: Int
        /// k where the stored value is q − 2^k (Q4_0: 3, Q5_0: 4), or 0.
        let offsetShift: Int32
        /// Byte offset of the block's f16 minimum `m` (Q4_1, Q5_1), or 0 where there is none.
        let minField: Int
        /// Whether the quants are signed bytes (Q8_0): the products then take |q| times the
        /// activations with q's signs (`vpsignb`), since `vpmaddubsw` multiplies unsigned by signed.
        let signed: Bool
        /// How many `vpmaddubsw` results may be added in 16 bits before they could overflow: 8 for
        /// 4-bit quants (8·2·15·127 < 2^15), 4 for 5-bit, 1 for signed 8-bit.
        let int16Terms: Int
    }

    /// The several-rows dot products of `weightRows` weight rows (`rowBytes` apart) with `count`
    /// activation rows (`stride` apart): (weight row r, activation row t) goes to
    /// `out[r + t · outStride]`. `group(x, present)` gives the interleaved quants of the eight
    /// blocks from `x`, blocks from `present` on as zeros. `scratch` holds 2·count vectors: per
    /// activation row its accumulator and where its parts lie (found once per call, not per
    /// group). The callers allocate it on the stack and pass the format as constants: a generic
    /// format inside the allocation's closure left the intrinsics out of line (`call
    /// _mm256_…` in the disassembly).
    @inline(__always)
    static func legacyBand(_ format: LegacyFormat, _ weights: UnsafeRawPointer, _ rowBytes: Int, _ weightRows: Int,
                           _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int, _ output: UnsafeMutablePointer<Float>,
                           _ outStride: Int, _ scratch: UnsafeMutablePointer<__m256>, group: (UnsafeRawPointer, Int) -> Eight) {
        let blocks = n / 32, grouped = blocks / 8 * 8, tail = blocks - grouped
        let acc = scratch
        let places = UnsafeMutableRawPointer(acc + count).bindMemory(to: Places.self, capacity: count)
        for t in 0..<count {
            let (scales, second, quants) = ActivationTail.parts(a + t * stride, blocks: blocks, size: format.activationSize)
            places[t] = Places(scales: scales, second: second, quants: ActivationTail.interleaved(quants, blocks: blocks))
        }
        for row in 0..<weightRows {
            let w = weights + row * rowBytes, out = output + row
            for t in 0..<count { acc[t] = _mm256_setzero_ps() }
            var b = 0
            while b < grouped {
                accumulate(format, w, b, acc, places, count, group: group)
                b += 8
            }
            guard tail > 0 else {
                for t in 0..<count { out[t * outStride] = acc[t].sum() }
                continue
            }
            // The last partial group: its blocks' sums in lanes, each block then added to the
            // lanes' sum in order.
            let x = w + grouped * format.size
            let q = group(x, tail)
            var d = SIMD8<Float>(), m = SIMD8<Float>()
            for k in 0..<tail {
                d[k] = Field.scale(x + k * format.size, 0)
                if format.minField != 0 { m[k] = Field.scale(x + k * format.size, format.minField) }
            }
            for t in 0..<count {
                let place = places[t]
                let lanes = unsafeBitCast(interleavedSums(format, q, place.quants + 32 * grouped), to: SIMD8<Int32>.self)
                var sum = acc[t].sum()
                for k in 0..<tail {
                    let b = grouped + k
                    var total = lanes[k]
                    if format.offsetShift != 0 {
                        total &-= place.second.loadUnaligned(fromByteOffset: 4 * b, as: Int32.self) &<< format.offsetShift
                    }
                    sum += d[k] * place.scales.loadUnaligned(fromByteOffset: 4 * b, as: Float.self) * Float(total)
                    if format.minField != 0 { sum += m[k] * place.second.loadUnaligned(fromByteOffset: 4 * b, as: Float.self) }
                }
                out[t * outStride] = sum
            }
        }
    }

    /// The eight blocks of the weight row at `w` from block `b` into each activation row's
    /// accumulator, as the avx512 tier's `blockSum` adds them.
    @inline(__always)
    static func accumulate(
        _ format: LegacyFormat, _ w: UnsafeRawPointer, _ b: Int, _ acc: UnsafeMutablePointer<__m256>,
        _ places: UnsafeMutablePointer<Places>, _ count: Int, group: (UnsafeRawPointer, Int) -> Eight
    ) {
        let size = format.size, offsetShift = format.offsetShift, minField = format.minField
        let shift = _mm_cvtsi32_si128(offsetShift)
        let x = w + b * size
        let q = group(x, 8)
        let (wd, wm) = groupScales(x, size: size, minField: minField)
        for t in 0..<count {
            let place = places[t]
            var total = interleavedSums(format, q, place.quants + 32 * b)
            if offsetShift != 0 { total = _mm256_sub_epi32(total, _mm256_sll_epi32(load256(place.second + 4 * b), shift)) }
            var v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_mul_ps(wd, loadFloats(place.scales + 4 * b)), acc[t])
            if minField != 0 { v = _mm256_fmadd_ps(wm, loadFloats(place.second + 4 * b), v) }
            acc[t] = v
        }
    }

    /// Where an activation row's F32 scales, second fields (Σq or s) and interleaved quants lie.
    struct Places {
        let scales: UnsafeRawPointer, second: UnsafeRawPointer, quants: UnsafeRawPointer
    }

    /// Lane j: block j's Σq·a, from a group's interleaved weights and the 256 bytes of the
    /// activation row's interleaved quants at `y`.
    @inline(__always) static func interleavedSums(_ format: LegacyFormat, _ q: Eight, _ y: UnsafeRawPointer) -> __m256i {
        let ones = _mm256_set1_epi16(1)
        @inline(__always) func product(_ w: __m256i, _ m: Int) -> __m256i {
            if format.signed {
                let ym = load256(y + 32 * m)
                return _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(ym, w))
            }
            return _mm256_maddubs_epi16(w, load256(y + 32 * m))
        }
        switch format.int16Terms {
        case 8:
            let s01 = _mm256_add_epi16(product(q.0, 0), product(q.1, 1)), s23 = _mm256_add_epi16(product(q.2, 2), product(q.3, 3))
            let s45 = _mm256_add_epi16(product(q.4, 4), product(q.5, 5)), s67 = _mm256_add_epi16(product(q.6, 6), product(q.7, 7))
            return _mm256_madd_epi16(_mm256_add_epi16(_mm256_add_epi16(s01, s23), _mm256_add_epi16(s45, s67)), ones)
        case 4:
            let s0123 = _mm256_add_epi16(_mm256_add_epi16(product(q.0, 0), product(q.1, 1)),
                                         _mm256_add_epi16(product(q.2, 2), product(q.3, 3)))
            let s4567 = _mm256_add_epi16(_mm256_add_epi16(product(q.4, 4), product(q.5, 5)),
                                         _mm256_add_epi16(product(q.6, 6), product(q.7, 7)))
            return _mm256_add_epi32(_mm256_madd_epi16(s0123, ones), _mm256_madd_epi16(s4567, ones))
        default:
            @inline(__always) func wide(_ w: __m256i, _ m: Int) -> __m256i { _mm256_madd_epi16(product(w, m), ones) }
            return _mm256_add_epi32(
                _mm256_add_epi32(_mm256_add_epi32(wide(q.0, 0), wide(q.1, 1)), _mm256_add_epi32(wide(q.2, 2), wide(q.3, 3))),
                _mm256_add_epi32(_mm256_add_epi32(wide(q.4, 4), wide(q.5, 5)), _mm256_add_epi32(wide(q.6, 6), wide(q.7, 7))))
        }
    }

    /// The eight blocks' d (and m at `minField`, or zeros where it is 0) from `x`, as F32 lanes.
    @inline(__always) static func groupScales(_ x: UnsafeRawPointer, size: Int, minField: Int) -> (__m256, __m256) {
        @inline(__always) func h(_ i: Int, _ field: Int) -> Int16 { x.loadUnaligned(fromByteOffset: i * size + field, as: Int16.self) }
        @inline(__always) func halves(_ field: Int) -> __m256 {
            _mm256_cvtph_ps(_mm_set_epi16(h(7, field), h(6, field), h(5, field), h(4, field),
                                          h(3, field), h(2, field), h(1, field), h(0, field)))
        }
        return (halves(0), minField != 0 ? halves(minField) : _mm256_setzero_ps())
    }

    /// Four 32-bit words from each of eight rows of 16 bytes (`row(j)`, j < 8) as four registers:
    /// register p's lane j is word p of row j.
    @inline(__always) static func transposedWords(_ row: (Int) -> __m128i) -> (__m256i, __m256i, __m256i, __m256i) {
        @inline(__always) func pair(_ j: Int) -> __m256i { _mm256_set_m128i(row(j + 4), row(j)) }
        let y0 = pair(0), y1 = pair(1), y2 = pair(2), y3 = pair(3)
        let t0 = _mm256_unpacklo_epi32(y0, y1), t1 = _mm256_unpackhi_epi32(y0, y1)
        let t2 = _mm256_unpacklo_epi32(y2, y3), t3 = _mm256_unpackhi_epi32(y2, y3)
        return (_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2),
                _mm256_unpacklo_epi64(t1, t3), _mm256_unpackhi_epi64(t1, t3))
    }

    /// Q4_0 / Q4_1: packed word p of a block holds quants 4p…4p+3 in its low nibbles and
    /// 16+4p…19+4p in its high ones, so the four transposed words give registers 0–3 (low
    /// nibbles) and 4–7 (high nibbles).
    @inline(__always) static func interleavedQ4(_ x: UnsafeRawPointer, present: Int, size: Int, qs: Int) -> Eight {
        let r = transposedWords { j in j < present ? load128(x + j * size + qs) : _mm_setzero_si128() }
        let low = _mm256_set1_epi8(0x0F)
        @inline(__always) func high(_ v: __m256i) -> __m256i { _mm256_and_si256(_mm256_srli_epi16(v, 4), low) }
        return (_mm256_and_si256(r.0, low), _mm256_and_si256(r.1, low), _mm256_and_si256(r.2, low), _mm256_and_si256(r.3, low),
                high(r.0), high(r.1), high(r.2), high(r.3))
    }

    /// Q5_0 / Q5_1: `interleavedQ4`'s nibbles plus 16 where the quant's bit of `qh` is set (bit e
    /// for quant e): register m, lane j takes bits 4m…4m+3 of block j's `qh`, one per byte.
    @inline(__always) static func interleavedQ5(_ x: UnsafeRawPointer, present: Int, size: Int, qh: Int, qs: Int) -> Eight {
        let q = interleavedQ4(x, present: present, size: size, qs: qs)
        @inline(__always) func h(_ j: Int) -> Int32 { j < present ? Int32(bitPattern: Field.u32(x + j * size, qh)) : 0 }
        let bits = _mm256_setr_epi32(h(0), h(1), h(2), h(3), h(4), h(5), h(6), h(7))
        // Byte 0 of each lane copied to its four bytes, then tested against 1, 2, 4, 8.
        let spread = _mm256_setr_epi8(0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12,
                                      0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12)
        let bitOfByte = _mm256_set1_epi32(0x0804_0201), sixteen = _mm256_set1_epi8(0x10)
        @inline(__always) func withFifth(_ nibbles: __m256i, _ m: Int32) -> __m256i {
            let lanes = _mm256_shuffle_epi8(_mm256_srl_epi32(bits, _mm_cvtsi32_si128(4 * m)), spread)
            let set = _mm256_cmpeq_epi8(_mm256_and_si256(lanes, bitOfByte), bitOfByte)
            return _mm256_or_si256(nibbles, _mm256_and_si256(set, sixteen))
        }
        return (withFifth(q.0, 0), withFifth(q.1, 1), withFifth(q.2, 2), withFifth(q.3, 3),
                withFifth(q.4, 4), withFifth(q.5, 5), withFifth(q.6, 6), withFifth(q.7, 7))
    }

    /// Q8_0: the 32 signed quants of eight blocks, words 0–3 and 4–7 transposed separately.
    @inline(__always) static func interleavedQ8(_ x: UnsafeRawPointer, present: Int, size: Int, qs: Int) -> Eight {
        let first = transposedWords { j in j < present ? load128(x + j * size + qs) : _mm_setzero_si128() }
        let second = transposedWords { j in j < present ? load128(x + j * size + qs + 16) : _mm_setzero_si128() }
        return (first.0, first.1, first.2, first.3, second.0, second.1, second.2, second.3)
    }
}

extension AVX2Dot.LegacyFormat {
    static var q4_0: Self { Self(size: BlockLayout.Q4_0.size, activationSize: BlockLayout.Q8_0.size, offsetShift: 3, minField: 0,
                                 signed: false, int16Terms: 8) }
    static var q4_1: Self { Self(size: BlockLayout.Q4_1.size, activationSize: BlockLayout.Q8_1.size, offsetShift: 0,
                                 minField: BlockLayout.Q4_1.m, signed: false, int16Terms: 8) }
    static var q5_0: Self { Self(size: BlockLayout.Q5_0.size, activationSize: BlockLayout.Q8_0.size, offsetShift: 4, minField: 0,
                                 signed: false, int16Terms: 4) }
    static var q5_1: Self { Self(size: BlockLayout.Q5_1.size, activationSize: BlockLayout.Q8_1.size, offsetShift: 0,
                                 minField: BlockLayout.Q5_1.m, signed: false, int16Terms: 4) }
    static var q8_0: Self { Self(size: BlockLayout.Q8_0.size, activationSize: BlockLayout.Q8_0.size, offsetShift: 0, minField: 0,
                                 signed: true, int16Terms: 1) }
}
#endif
