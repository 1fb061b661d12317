#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// Several-rows kernels for Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 that need no horizontal sums: each
/// group of eight weight blocks is rearranged once, for all the rows of a batch, so that 32-bit
/// lane j of every register holds four quants of block j, like the activations' interleaved copy
/// (`ActivationTail.interleaved`). Four 512-bit `vpdpbusd` then leave block j's Σq·a in lanes j
/// and 8 + j, and one add gives the eight block sums `reduce8` gives — integers, exact in any
/// order — so each row's float steps are `blockSum`'s and every result is bit-identical to the
/// one-row kernel (`RowsDotTests`). A row costs four products, one add and the float steps per
/// eight blocks; the reduction tree these kernels replaced took ten more instructions (Q4_1 and
/// Q8_0 rows ran 2.3–3.7× slower then: one thread, 256 rows of 576 or 1536 columns, 1–8 rows).
extension X86Dot {
    /// Four registers of interleaved quants: quants 0…7, 8…15, 16…23 and 24…31 of eight blocks.
    typealias Wide4 = (__m512i, __m512i, __m512i, __m512i)

    /// Q4_0 / Q4_1: the 16 packed bytes of eight blocks (`qs` bytes into each `wSize`-byte block).
    /// Packed 32-bit word p of a block holds quants 4p…4p+3 in its low nibbles and 16+4p…19+4p in
    /// its high ones, so words 0–1 and 2–3 of all eight blocks, gathered into two registers, give
    /// the four registers of quants (0…7, 8…15, 16…23, 24…31 of every block) by masking and shifting.
    /// Blocks from `present` on are not read (zeros: a last group of fewer than eight).
    @inline(__always) static func interleavedQ4(_ x: UnsafeRawPointer, present: Int, wSize: Int, qs: Int) -> Wide4 {
        @inline(__always) func four(_ first: Int) -> __m512i {
            @inline(__always) func q(_ i: Int) -> SIMD16<UInt8> {
                first + i < present ? x.loadUnaligned(fromByteOffset: (first + i) * wSize + qs, as: SIMD16<UInt8>.self) : .zero
            }
            return unsafeBitCast(SIMD64(lowHalf: SIMD32(lowHalf: q(0), highHalf: q(1)),
                                        highHalf: SIMD32(lowHalf: q(2), highHalf: q(3))), to: __m512i.self)
        }
        // In `a` (blocks 0–3) and `b` (blocks 4–7), word 4j + p is word p of block j.
        let a = four(0), b = four(4)
        let words01 = _mm512_permutex2var_epi32(a, unsafeBitCast(
            SIMD16<Int32>(0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29), to: __m512i.self), b)
        let words23 = _mm512_permutex2var_epi32(a, unsafeBitCast(
            SIMD16<Int32>(2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31), to: __m512i.self), b)
        let low = _mm512_set1_epi8(0x0F)
        return (_mm512_and_si512(words01, low), _mm512_and_si512(words23, low),
                _mm512_and_si512(_mm512_srli_epi16(words01, 4), low), _mm512_and_si512(_mm512_srli_epi16(words23, 4), low))
    }

    /// Q5_0 / Q5_1: `interleavedQ4`'s nibbles with each quant's fifth bit (bit e of the block's
    /// 32-bit `qh` field for quant e) added as 16. Register m holds quants 8m…8m+3 of block j in
    /// lane j and 8m+4…8m+7 in lane 8 + j, so lane j's bits are `qh` >> 8m and lane 8 + j's
    /// `qh` >> (8m + 4): the low byte of each lane, copied to its four bytes and tested against
    /// 1, 2, 4, 8, is the byte mask of the quants that get 16.
    @inline(__always) static func interleavedQ5(_ x: UnsafeRawPointer, present: Int, wSize: Int, qh: Int, qs: Int) -> Wide4 {
        let q = interleavedQ4(x, present: present, wSize: wSize, qs: qs)
        @inline(__always) func h(_ j: Int) -> Int32 {
            j < present ? Int32(bitPattern: Field.u32(x + j * wSize, qh)) : 0
        }
        let low = SIMD8<Int32>(h(0), h(1), h(2), h(3), h(4), h(5), h(6), h(7))
        let bits = unsafeBitCast(SIMD16(lowHalf: low, highHalf: low), to: __m512i.self)
        // Bytes 0, 4, 8, 12 of each 128-bit lane, each four times.
        let lowBytes = _mm512_set4_epi32(0x0C0C_0C0C, 0x0808_0808, 0x0404_0404, 0)
        let upperHalf = _mm512_set_epi32(4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0)
        let bitOfByte = _mm512_set1_epi32(0x0804_0201), sixteen = _mm512_set1_epi8(0x10)
        @inline(__always) func withFifth(_ nibbles: __m512i, _ m: Int32) -> __m512i {
            let shifts = _mm512_add_epi32(upperHalf, _mm512_set1_epi32(8 * m))
            let spread = _mm512_shuffle_epi8(_mm512_srlv_epi32(bits, shifts), lowBytes)
            return _mm512_or_si512(nibbles, _mm512_maskz_mov_epi8(_mm512_test_epi8_mask(spread, bitOfByte), sixteen))
        }
        return (withFifth(q.0, 0), withFifth(q.1, 1), withFifth(q.2, 2), withFifth(q.3, 3))
    }

    /// Q8_0: the 32 signed quants of eight blocks (34 bytes apart, from byte 2) as unsigned bytes
    /// q + 128 (the kernel takes 128·Σa off again, exact in integers), in the interleaved order;
    /// blocks from `present` on are not read.
    @inline(__always) static func interleavedQ8(_ x: UnsafeRawPointer, present: Int) -> Wide4 {
        @inline(__always) func two(_ i: Int) -> __m512i {
            @inline(__always) func q(_ j: Int) -> SIMD32<UInt8> {
                j < present ? x.loadUnaligned(fromByteOffset: 34 * j + 2, as: SIMD32<UInt8>.self) : .zero
            }
            return unsafeBitCast(SIMD64(lowHalf: q(i), highHalf: q(i + 1)), to: __m512i.self)
        }
        // From blocks 2i and 2i+1 (two registers): words k = 0…3 (or 4…7) of four blocks, k-major.
        let first = unsafeBitCast(SIMD16<Int32>(0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27), to: __m512i.self)
        let second = unsafeBitCast(SIMD16<Int32>(4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31), to: __m512i.self)
        let z0 = two(0), z1 = two(2), z2 = two(4), z3 = two(6)
        let s0 = _mm512_permutex2var_epi32(z0, first, z1), s1 = _mm512_permutex2var_epi32(z0, second, z1)
        let s2 = _mm512_permutex2var_epi32(z2, first, z3), s3 = _mm512_permutex2var_epi32(z2, second, z3)
        // Word k of blocks 0–3 then of blocks 4–7, for k and k + 1.
        let even = unsafeBitCast(SIMD16<Int32>(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23), to: __m512i.self)
        let odd = unsafeBitCast(SIMD16<Int32>(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31), to: __m512i.self)
        let bias = _mm512_set1_epi8(-128)
        return (_mm512_xor_si512(_mm512_permutex2var_epi32(s0, even, s2), bias),
                _mm512_xor_si512(_mm512_permutex2var_epi32(s0, odd, s2), bias),
                _mm512_xor_si512(_mm512_permutex2var_epi32(s1, even, s3), bias),
                _mm512_xor_si512(_mm512_permutex2var_epi32(s1, odd, s3), bias))
    }

    /// The several-rows dot products of `weightRows` weight rows (`rowBytes` apart; row r's outputs
    /// from `output + r`) over interleaved weights: `F.group(x, present:)` rearranges the blocks
    /// of a group (`present` of them: eight, or fewer in a last group), whose sums less
    /// `F.groupOffset`·Σa are the blocks' Σ(q − offset)·a. Whole groups take `blockSum`'s vector
    /// float steps; the blocks of a last partial group take `blockTail`'s, in order, for eight
    /// tokens at a time in vector lanes (`TailActivations`). Weight rows go in pairs, so that each
    /// activation register is loaded once for two rows: one thread, 8 tokens, Q4_1 576 / 1536
    /// columns 107 / 153 → 141 / 182 GFLOP/s with the tail's lanes (best of 6 alternating runs).
    static func blockSumRowsInterleaved<F: InterleavedFormat>(
        _: F.Type, _ weights: UnsafeRawPointer, rowBytes: Int = 0, weightRows: Int = 1, _ a: UnsafeRawPointer,
        stride: Int, count: Int, _ n: Int, _ output: UnsafeMutablePointer<Float>, _ outStride: Int
    ) {
        // Few tokens: one weight row at a time, per-token scalar tail steps. The kernel is then
        // close to the memory's pace, and two rows side by side read slower (SmolLM2's 49152 ×
        // 576 Q8_0 output at 2 tokens: 17 → 23 % of a pass), while the tail's transposes cost
        // more than they save (one thread, 2 tokens: Q4_1 576 / 1536 columns at 0.80 / 0.90).
        guard count >= pairedMinTokens else {
            singleRows(F.self, weights, rowBytes: rowBytes, weightRows: weightRows, a, stride: stride, count: count, n,
                       output, outStride)
            return
        }
        // Per activation row: its accumulator, then its scales, sums and interleaved quants, found
        // once per call (for all the weight rows) rather than per group; then the last partial
        // group's activations across tokens (`TailActivations`). One allocation (nested closures
        // would not be inlined), typed so that it stays on the stack (a 64-byte alignment makes it
        // a heap allocation per call).
        let blocks = n / 32, grouped = blocks / 8 * 8, tail = blocks - grouped
        let chunks = (count + 7) / 8
        let tailUnits = chunks * tail * TailActivations.unitsPerBlock
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 3 * max(count, 1) + tailUnits) { buffer in
            // The format's constants read here, inside the closure, so that they fold into its code.
            let wSize = F.wSize, aSize = F.aSize, groupOffset = F.groupOffset, affine = F.affine
            let shift = _mm_cvtsi32_si128(Int32(groupOffset.trailingZeroBitCount))
            let acc = buffer.baseAddress.unsafelyUnwrapped
            let rows = activationPlaces(a, stride: stride, count: count, blocks: blocks, aSize: aSize, in: acc + 2 * count)
            let tails = TailActivations(base: UnsafeMutableRawPointer(acc + 3 * max(count, 1)), tail: tail)
            if tail > 0 { tails.fill(rows, count: count, grouped: grouped) }
            // Two weight rows at a time, so that each activation register is loaded once for both
            // (an odd last row is paired with itself).
            let acc1 = acc + count
            var row = 0
            while row < weightRows {
                let second = min(row + 1, weightRows - 1)
                let w0 = weights + row * rowBytes, w1 = weights + second * rowBytes
                for t in 0..<count {
                    acc[t] = SIMD8<Float>()
                    acc1[t] = SIMD8<Float>()
                }
                var b = 0
                while b < grouped {
                    let x0 = w0 + b * wSize, x1 = w1 + b * wSize
                    prefetch(x0, bytes: 8 * wSize)
                    prefetch(x1, bytes: 8 * wSize)
                    let q0 = F.group(x0, present: 8), q1 = F.group(x1, present: 8)
                    let wd0 = weightHalves8(x0, stride: wSize, field: 0), wd1 = weightHalves8(x1, stride: wSize, field: 0)
                    let wm0 = affine ? weightHalves8(x0, stride: wSize, field: 2) : _mm256_setzero_ps()
                    let wm1 = affine ? weightHalves8(x1, stride: wSize, field: 2) : _mm256_setzero_ps()
                    for t in 0..<count {
                        let (aScales, aSecond, interleaved) = rows[t]
                        let y = interleaved + b * 32
                        let quants = (_mm512_load_si512(y), _mm512_load_si512(y + 64), _mm512_load_si512(y + 128),
                                      _mm512_load_si512(y + 192))
                        var total0 = interleavedSums(q0, quants), total1 = interleavedSums(q1, quants)
                        if groupOffset != 0 {
                            let aSums = _mm256_sll_epi32(unsafeBitCast((aSecond + 4 * b).loadUnaligned(as: SIMD8<Int32>.self),
                                                                       to: __m256i.self), shift)
                            total0 = _mm256_sub_epi32(total0, aSums)
                            total1 = _mm256_sub_epi32(total1, aSums)
                        }
                        let ad = (aScales + 4 * b).loadUnaligned(as: SIMD8<Float>.self)
                        var v0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total0), _mm256_mul_ps(wd0, ad), acc[t])
                        var v1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total1), _mm256_mul_ps(wd1, ad), acc1[t])
                        if affine {
                            let s = (aSecond + 4 * b).loadUnaligned(as: SIMD8<Float>.self)
                            v0 = _mm256_fmadd_ps(wm0, s, v0)
                            v1 = _mm256_fmadd_ps(wm1, s, v1)
                        }
                        acc[t] = v0
                        acc1[t] = v1
                    }
                    b += 8
                }
                // Eight tokens at a time: lane t of `sums` is token t's `hsum(acc)`, and the tail's
                // blocks are added to it in order, each as `blockTail` adds it.
                let x0 = w0 + grouped * wSize, x1 = w1 + grouped * wSize
                let zero = _mm512_setzero_si512()
                let q0 = tail > 0 ? F.group(x0, present: tail) : (zero, zero, zero, zero)
                let q1 = tail > 0 ? F.group(x1, present: tail) : (zero, zero, zero, zero)
                let out0 = output + row, out1 = output + second
                for c in 0..<chunks {
                    let first = 8 * c, present = min(8, count - first)
                    var sums0 = laneSumsInOrder(acc + first, count: present), sums1 = laneSumsInOrder(acc1 + first, count: present)
                    var k = 0
                    while k < tail {
                        let block = tails.block(chunk: c, k)
                        let quants = block.quants
                        @inline(__always) func load(_ offset: Int) -> __m512i {
                            unsafeBitCast(quants.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int32>.self), to: __m512i.self)
                        }
                        let acts = (load(0), load(64), load(128), load(192))
                        var total0 = interleavedSums(broadcastBlock(q0, k), acts)
                        var total1 = interleavedSums(broadcastBlock(q1, k), acts)
                        if groupOffset != 0 {
                            let offsets = _mm256_sll_epi32(block.second(as: __m256i.self), shift)
                            total0 = _mm256_sub_epi32(total0, offsets)
                            total1 = _mm256_sub_epi32(total1, offsets)
                        }
                        // (d_w·d_a)·Σ, then m·s, each added as `blockTail` adds it (intrinsics: the
                        // generic SIMD conversions were not always specialized).
                        let scales = block.scales(as: __m256.self)
                        @inline(__always) func scaled(_ x: UnsafeRawPointer, _ total: __m256i) -> __m256 {
                            _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(Field.scale(x, 0)), scales), _mm256_cvtepi32_ps(total))
                        }
                        sums0 = _mm256_add_ps(sums0, scaled(x0 + k * wSize, total0))
                        sums1 = _mm256_add_ps(sums1, scaled(x1 + k * wSize, total1))
                        if affine {
                            let s = block.second(as: __m256.self)
                            sums0 = _mm256_add_ps(sums0, _mm256_mul_ps(_mm256_set1_ps(Field.scale(x0 + k * wSize, 2)), s))
                            sums1 = _mm256_add_ps(sums1, _mm256_mul_ps(_mm256_set1_ps(Field.scale(x1 + k * wSize, 2)), s))
                        }
                        k += 1
                    }
                    let lanes0 = unsafeBitCast(sums0, to: SIMD8<Float>.self), lanes1 = unsafeBitCast(sums1, to: SIMD8<Float>.self)
                    for t in 0..<present {
                        out0[(first + t) * outStride] = lanes0[t]
                        out1[(first + t) * outStride] = lanes1[t]
                    }
                }
                row += 2
            }
        }
    }

    /// `blockSumRowsInterleaved` for fewer than `pairedMinTokens` tokens: one weight row
    /// at a time, the last partial group's blocks per token in `blockTail`'s scalar steps.
    @inline(__always)
    private static func singleRows<F: InterleavedFormat>(
        _: F.Type, _ weights: UnsafeRawPointer, rowBytes: Int, weightRows: Int, _ a: UnsafeRawPointer,
        stride: Int, count: Int, _ n: Int, _ output: UnsafeMutablePointer<Float>, _ outStride: Int
    ) {
        @inline(__always) func sums(_ q: Wide4, _ y: UnsafeRawPointer) -> __m256i {
            interleavedSums(q, (_mm512_load_si512(y), _mm512_load_si512(y + 64), _mm512_load_si512(y + 128),
                                _mm512_load_si512(y + 192)))
        }
        // Per activation row: its accumulator, then its scales, sums and interleaved quants, found
        // once per call (for all the weight rows) rather than per group. One allocation (nested
        // closures would not be inlined), typed so that it stays on the stack (a 64-byte alignment
        // makes it a heap allocation per call).
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 2 * max(count, 1)) { buffer in
            // The format's constants read here, inside the closure, so that they fold into its code.
            let wSize = F.wSize, aSize = F.aSize, groupOffset = F.groupOffset, affine = F.affine
            let blocks = n / 32, grouped = blocks / 8 * 8
            let shift = _mm_cvtsi32_si128(Int32(groupOffset.trailingZeroBitCount))
            let acc = buffer.baseAddress.unsafelyUnwrapped
            let rows = activationPlaces(a, stride: stride, count: count, blocks: blocks, aSize: aSize, in: acc + count)
            for row in 0..<weightRows {
                let w = weights + row * rowBytes, out = output + row
                for t in 0..<count { acc[t] = SIMD8<Float>() }
                var b = 0
                while b < grouped {
                    let x = w + b * wSize
                    if F.prefetching { prefetch(x, bytes: 8 * wSize) }
                    let q = F.group(x, present: 8)
                    let wd = weightHalves8(x, stride: wSize, field: 0)
                    let wm = affine ? weightHalves8(x, stride: wSize, field: 2) : _mm256_setzero_ps()
                    for t in 0..<count {
                        let (aScales, aSecond, interleaved) = rows[t]
                        var total = sums(q, interleaved + b * 32)
                        if groupOffset != 0 {
                            let aSums = unsafeBitCast((aSecond + 4 * b).loadUnaligned(as: SIMD8<Int32>.self), to: __m256i.self)
                            total = _mm256_sub_epi32(total, _mm256_sll_epi32(aSums, shift))
                        }
                        let ad = (aScales + 4 * b).loadUnaligned(as: SIMD8<Float>.self)
                        let d = _mm256_mul_ps(wd, ad)
                        var v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), d, acc[t])
                        if affine {
                            let s = (aSecond + 4 * b).loadUnaligned(as: SIMD8<Float>.self)
                            v = _mm256_fmadd_ps(wm, s, v)
                        }
                        acc[t] = v
                    }
                    b += 8
                }
                let tail = blocks - grouped
                guard tail > 0 else {
                    for t in 0..<count { out[t * outStride] = hsum(acc[t]) }
                    continue
                }
                let x = w + grouped * wSize
                let q = F.group(x, present: tail)
                var d = SIMD8<Float>(), m = SIMD8<Float>()
                for k in 0..<tail {
                    d[k] = Field.scale(x + k * wSize, 0)
                    if affine { m[k] = Field.scale(x + k * wSize, 2) }
                }
                for t in 0..<count {
                    let (aScales, aSecond, interleaved) = rows[t]
                    let lanes = unsafeBitCast(sums(q, interleaved + grouped * 32), to: SIMD8<Int32>.self)
                    var sum = hsum(acc[t])
                    for k in 0..<tail {
                        let b = grouped + k
                        var total = lanes[k]
                        if groupOffset != 0 {
                            total &-= groupOffset &* aSecond.loadUnaligned(fromByteOffset: 4 * b, as: Int32.self)
                        }
                        sum += d[k] * aScales.loadUnaligned(fromByteOffset: 4 * b, as: Float.self) * Float(total)
                        if affine { sum += m[k] * aSecond.loadUnaligned(fromByteOffset: 4 * b, as: Float.self) }
                    }
                    out[t * outStride] = sum
                }
            }
        }
    }

    /// The fewest tokens that take `blockSumRowsInterleaved`'s paired, lane-wise form.
    static let pairedMinTokens = 4

    /// Where an activation row's scales, second fields (Σq or s) and interleaved quants lie.
    typealias ActivationPlaces = (scales: UnsafeRawPointer, second: UnsafeRawPointer, interleaved: UnsafeRawPointer)

    /// The places of `count` activation rows (`stride` apart from `a`), found once per call for
    /// all the weight rows rather than per group, written into `count` units of the kernels'
    /// scratch at `scratch` (a `SIMD8<Float>` unit holds one tuple).
    @inline(__always) static func activationPlaces(
        _ a: UnsafeRawPointer, stride: Int, count: Int, blocks: Int, aSize: Int, in scratch: UnsafeMutablePointer<SIMD8<Float>>
    ) -> UnsafeMutablePointer<ActivationPlaces> {
        let rows = UnsafeMutableRawPointer(scratch).bindMemory(to: ActivationPlaces.self, capacity: count)
        for t in 0..<count {
            let (aScales, aSecond, aq) = ActivationTail.parts(a + t * stride, blocks: blocks, size: aSize)
            rows[t] = (aScales, aSecond, ActivationTail.interleaved(aq, blocks: blocks))
        }
        return rows
    }

    /// The eight block sums of a group (`Wide4` weights against the four registers of its
    /// interleaved activations): lane j of the result is block j's Σq·a.
    @inline(__always) static func interleavedSums(_ q: Wide4, _ y: Wide4) -> __m256i {
        let zero = _mm512_setzero_si512()
        let s01 = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, q.0, y.0), q.1, y.1)
        let s23 = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(zero, q.2, y.2), q.3, y.3)
        let lanes = unsafeBitCast(_mm512_add_epi32(s01, s23), to: SIMD16<Int32>.self)
        return unsafeBitCast(lanes.lowHalf &+ lanes.highHalf, to: __m256i.self)
    }

    /// Block k of a group's `Wide4` (lanes k and 8 + k) copied to every lane: lanes 0…7 of each
    /// register take lane k, lanes 8…15 lane 8 + k — one block against eight tokens
    /// (`TailActivations`).
    @inline(__always) static func broadcastBlock(_ q: Wide4, _ k: Int) -> Wide4 {
        let low = Int32(k), high = Int32(8 + k)
        let index = unsafeBitCast(SIMD16<Int32>(low, low, low, low, low, low, low, low,
                                                high, high, high, high, high, high, high, high), to: __m512i.self)
        return (_mm512_permutexvar_epi32(index, q.0), _mm512_permutexvar_epi32(index, q.1),
                _mm512_permutexvar_epi32(index, q.2), _mm512_permutexvar_epi32(index, q.3))
    }

    /// Lane t of the result is `v[t].sum()` (lanes 0…7 added in order, as `SIMD.sum()` and
    /// `hsum` add them) for the first `count` (≤ 8) vectors; lanes from `count` on are 0. An
    /// 8 × 8 transpose (three rounds of two-source permutes swapping blocks of 4, 2 and 1 lanes),
    /// then the transposed rows added in order.
    @inline(__always)
    static func laneSumsInOrder(_ v: UnsafePointer<SIMD8<Float>>, count: Int) -> __m256 {
        @inline(__always) func row(_ i: Int) -> __m256 { i < count ? unsafeBitCast(v[i], to: __m256.self) : _mm256_setzero_ps() }
        @inline(__always) func swap(_ x: __m256, _ y: __m256, _ low: SIMD8<Int32>, _ high: SIMD8<Int32>) -> (__m256, __m256) {
            (_mm256_permutex2var_ps(x, unsafeBitCast(low, to: __m256i.self), y),
             _mm256_permutex2var_ps(x, unsafeBitCast(high, to: __m256i.self), y))
        }
        // Rows i and i + 4, then i and i + 2, then i and i + 1.
        let low4 = SIMD8<Int32>(0, 1, 2, 3, 8, 9, 10, 11), high4 = SIMD8<Int32>(4, 5, 6, 7, 12, 13, 14, 15)
        var (r0, r4) = swap(row(0), row(4), low4, high4), (r1, r5) = swap(row(1), row(5), low4, high4)
        var (r2, r6) = swap(row(2), row(6), low4, high4), (r3, r7) = swap(row(3), row(7), low4, high4)
        let low2 = SIMD8<Int32>(0, 1, 8, 9, 4, 5, 12, 13), high2 = SIMD8<Int32>(2, 3, 10, 11, 6, 7, 14, 15)
        (r0, r2) = swap(r0, r2, low2, high2)
        (r1, r3) = swap(r1, r3, low2, high2)
        (r4, r6) = swap(r4, r6, low2, high2)
        (r5, r7) = swap(r5, r7, low2, high2)
        let low1 = SIMD8<Int32>(0, 8, 2, 10, 4, 12, 6, 14), high1 = SIMD8<Int32>(1, 9, 3, 11, 5, 13, 7, 15)
        (r0, r1) = swap(r0, r1, low1, high1)
        (r2, r3) = swap(r2, r3, low1, high1)
        (r4, r5) = swap(r4, r5, low1, high1)
        (r6, r7) = swap(r6, r7, low1, high1)
        let first = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(r0, r1), r2), r3)
        return _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(first, r4), r5), r6), r7)
    }
}

/// The last partial group's activations (its `tail` blocks) rearranged once per call so that one
/// block's sums for eight tokens come out of four `vpdpbusd` against that block's weights copied
/// to every lane (`X86Dot.broadcastBlock`): per chunk of eight tokens and block k, four 64-byte
/// registers whose lane t (and 8 + t) hold the 32-bit words token t's interleaved copy has in
/// lane k (and 8 + k), then token t's scale and second field (Σq or s) of block k in lane t.
/// Tokens past the batch are zeros. Lives in `SIMD8<Float>` units of the kernel's scratch.
struct TailActivations {
    /// Eight units of quants, one of scales, one of second fields.
    static let unitsPerBlock = 10
    let base: UnsafeMutableRawPointer
    let tail: Int

    struct Block {
        let quants: UnsafeRawPointer
        /// The eight tokens' scales (`V` is `__m256`).
        @inline(__always) func scales<V>(as: V.Type) -> V { lanes(at: 256) }
        /// The eight tokens' second fields: Σq (`__m256i`) or s (`__m256`).
        @inline(__always) func second<V>(as: V.Type) -> V { lanes(at: 288) }
        @inline(__always) private func lanes<V>(at offset: Int) -> V {
            unsafeBitCast(quants.loadUnaligned(fromByteOffset: offset, as: SIMD8<Int32>.self), to: V.self)
        }
    }

    @inline(__always) func block(chunk: Int, _ k: Int) -> Block {
        Block(quants: UnsafeRawPointer(base + (chunk * tail + k) * 32 * Self.unitsPerBlock))
    }

    /// Copies the tail blocks (from block `grouped` on) of `count` activation rows.
    @inline(__always)
    func fill(_ rows: UnsafeMutablePointer<X86Dot.ActivationPlaces>, count: Int, grouped: Int) {
        let chunks = (count + 7) / 8
        base.initializeMemory(as: UInt8.self, repeating: 0, count: chunks * tail * 32 * Self.unitsPerBlock)
        for t in 0..<count {
            let (scales, second, interleaved) = rows[t]
            let group = interleaved + 32 * grouped
            for k in 0..<tail {
                let out = base + ((t / 8) * tail + k) * 32 * Self.unitsPerBlock, lane = 4 * (t % 8)
                for word in 0..<8 {
                    // Word `word` of the group's 256 bytes row: register word / 2, upper half if odd.
                    let value = group.loadUnaligned(fromByteOffset: 32 * word + 4 * k, as: UInt32.self)
                    out.storeBytes(of: value, toByteOffset: 64 * (word / 2) + 32 * (word % 2) + lane, as: UInt32.self)
                }
                out.storeBytes(of: scales.loadUnaligned(fromByteOffset: 4 * (grouped + k), as: UInt32.self),
                               toByteOffset: 256 + lane, as: UInt32.self)
                out.storeBytes(of: second.loadUnaligned(fromByteOffset: 4 * (grouped + k), as: UInt32.self),
                               toByteOffset: 288 + lane, as: UInt32.self)
            }
        }
    }
}

/// A weight type for `blockSumRowsInterleaved`; a generic parameter rather than closure and flag
/// arguments, so that each type gets its own specialized loop with the constants folded in.
protocol InterleavedFormat: Sendable {
    /// Bytes per weight block.
    static var wSize: Int { get }
    /// What the group's products exceed Σ(q − offset)·a by, per unit of Σa (a power of two or 0).
    static var groupOffset: Int32 { get }
    /// Whether blocks carry a minimum (m·s added per block; the activations are then Q8_1).
    static var affine: Bool { get }
    /// Software prefetch when one weight row is read at a time (two always prefetch).
    static var prefetching: Bool { get }
    static func group(_ x: UnsafeRawPointer, present: Int) -> X86Dot.Wide4
}

extension InterleavedFormat {
    /// Bytes per activation block: Q8_1 (with its sum) for affine weights, Q8_0 otherwise.
    static var aSize: Int { affine ? 36 : 34 }
    static var prefetching: Bool { true }
}

enum InterleavedQ4_0: InterleavedFormat {
    static var wSize: Int { 18 }
    static var groupOffset: Int32 { 8 }
    static var affine: Bool { false }
    @inline(__always) static func group(_ x: UnsafeRawPointer, present: Int) -> X86Dot.Wide4 {
        X86Dot.interleavedQ4(x, present: present, wSize: wSize, qs: 2)
    }
}

enum InterleavedQ4_1: InterleavedFormat {
    static var wSize: Int { 20 }
    static var groupOffset: Int32 { 0 }
    static var affine: Bool { true }
    @inline(__always) static func group(_ x: UnsafeRawPointer, present: Int) -> X86Dot.Wide4 {
        X86Dot.interleavedQ4(x, present: present, wSize: wSize, qs: 4)
    }
}

enum InterleavedQ5_0: InterleavedFormat {
    static var wSize: Int { 22 }
    static var groupOffset: Int32 { 16 }
    static var affine: Bool { false }
    @inline(__always) static func group(_ x: UnsafeRawPointer, present: Int) -> X86Dot.Wide4 {
        X86Dot.interleavedQ5(x, present: present, wSize: wSize, qh: 2, qs: 6)
    }
}

enum InterleavedQ5_1: InterleavedFormat {
    static var wSize: Int { 24 }
    static var groupOffset: Int32 { 0 }
    static var affine: Bool { true }
    @inline(__always) static func group(_ x: UnsafeRawPointer, present: Int) -> X86Dot.Wide4 {
        X86Dot.interleavedQ5(x, present: present, wSize: wSize, qh: 4, qs: 8)
    }
}

/// No software prefetch for one row at a time, as in `X86Dot.q8_0`; two rows side by side need
/// it (without: the tied output, 49152 × 576 Q8_0, took 22 % of a SmolLM2 b4 step instead of 14 %).
enum InterleavedQ8_0: InterleavedFormat {
    static var wSize: Int { 34 }
    static var groupOffset: Int32 { 128 }
    static var affine: Bool { false }
    static var prefetching: Bool { false }
    @inline(__always) static func group(_ x: UnsafeRawPointer, present: Int) -> X86Dot.Wide4 {
        X86Dot.interleavedQ8(x, present: present)
    }
}
#endif
