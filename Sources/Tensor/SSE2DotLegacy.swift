#if arch(x86_64) && !SWIFTLLM_AVX2 && !SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// The SSE2 kernels of the 32-element block types (bit-identical to `PortableDot`, see `SSE2Dot`).
///
/// Four blocks are unpacked at a time; every activation row takes their four integer sums
/// (reduced together), subtracts the offset (−8, −16) as offset·Σq from its `ActivationTail`, and
/// forms the four products d·d′·s (+ m·s′) in one vector, added to its sum lane by lane.
extension SSE2Dot {
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
               minField: nil, signed: false) { x in fifth(nibbles(x + L.qs), Field.u32(x, L.qh)) }
    }

    static func q5_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q5_1
        legacy(w, a, stride, count, n, out, outStride, size: L.size, activation: .q8_1, offsetShift: 0,
               minField: L.m, signed: false) { x in fifth(nibbles(x + L.qs), Field.u32(x, L.qh)) }
    }

    static func q8_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                     _ out: UnsafeMutablePointer<Float>, _ outStride: Int) {
        typealias L = BlockLayout.Q8_0
        legacy(w, a, stride, count, n, out, outStride, size: L.size, activation: .q8_0, offsetShift: 0,
               minField: nil, signed: true) { x in (load(x + L.qs), load(x + L.qs + 16)) }
    }

    @inline(__always) static func fifth(_ low: Block, _ qh: UInt32) -> Block {
        let bits = fifthBits(qh)
        return (_mm_or_si128(low.low, bits.low), _mm_or_si128(low.high, bits.high))
    }

    /// Four f16 scales (the low 16 bits of each lane) as `Field.scale` converts them.
    @inline(__always) static func halves(_ h: SIMD4<UInt32>) -> SIMD4<Float> {
        let magnitude = unsafeBitCast((h & 0x7fff) &<< 13, to: SIMD4<Float>.self) * 0x1p112
        return unsafeBitCast(unsafeBitCast(magnitude, to: SIMD4<UInt32>.self) | ((h & 0x8000) &<< 16), to: SIMD4<Float>.self)
    }

    @inline(__always) static func floats(_ p: UnsafeRawPointer) -> SIMD4<Float> { p.loadUnaligned(as: SIMD4<Float>.self) }

    /// `count` activation rows (`stride` bytes apart, in `activation` format with its tail) times
    /// one weight row of `n` elements in blocks of `size` bytes; result `r` goes to
    /// `out[r · outStride]`. `unpack` gives a block's weights as 32 bytes; `offsetShift` k means
    /// the stored value is q − 2^k; `minField` is the offset of the block's f16 `m`, if any (2: right
    /// after `d`).
    @inline(__always)
    static func legacy(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ count: Int, _ n: Int,
                       _ out: UnsafeMutablePointer<Float>, _ outStride: Int,
                       size: Int, activation: GGMLType, offsetShift: Int32, minField: Int?, signed: Bool,
                       unpack: (UnsafeRawPointer) -> Block) {
        assert(minField == nil || minField == 2)
        let blocks = n / 32, groups = blocks / 4, activationSize = activation.typeSize
        var first = 0
        while first < count {
            let rows = Swift.min(rowGroup, count - first)
            var sums = SIMD4<Float>()
            for g in 0..<groups {
                let x = w + 4 * g * size
                let w0 = unpack(x), w1 = unpack(x + size), w2 = unpack(x + 2 * size), w3 = unpack(x + 3 * size)
                // d (and m, stored right after it) of the four blocks, converted together.
                let heads = SIMD4<UInt32>(Field.u32(x, 0), Field.u32(x + size, 0), Field.u32(x + 2 * size, 0),
                                          Field.u32(x + 3 * size, 0))
                let dx = halves(heads & 0xffff)
                let mx = minField.map { _ in halves(heads &>> 16) }
                for t in 0..<rows {
                    let tail = ActivationTail.parts(a + (first + t) * stride, blocks: blocks, size: activationSize)
                    let y = tail.quants + 256 * g
                    var s = reduce4(blockDot(w0, y, signed: signed), blockDot(w1, y + 64, signed: signed),
                                    blockDot(w2, y + 128, signed: signed), blockDot(w3, y + 192, signed: signed))
                    if offsetShift != 0 {
                        s = _mm_sub_epi32(s, _mm_slli_epi32(load(tail.second + 16 * g), offsetShift))
                    }
                    var p = dx * floats(tail.scales + 16 * g) * _mm_cvtepi32_ps(s)
                    if let mx { p = p + mx * floats(tail.second + 16 * g) }
                    var sum = sums[t]
                    sum += p[0]; sum += p[1]; sum += p[2]; sum += p[3]
                    sums[t] = sum
                }
            }
            for b in (4 * groups)..<blocks {
                let x = w + b * size
                let wq = unpack(x), dx = Field.scale(x, 0)
                for t in 0..<rows {
                    let tail = ActivationTail.parts(a + (first + t) * stride, blocks: blocks, size: activationSize)
                    var s = sum(blockDot(wq, tail.quants + 64 * b, signed: signed))
                    if offsetShift != 0 { s &-= tail.second.loadUnaligned(fromByteOffset: 4 * b, as: Int32.self) &<< offsetShift }
                    var p = dx * tail.scales.loadUnaligned(fromByteOffset: 4 * b, as: Float.self) * Float(s)
                    if let m = minField {
                        p = p + Field.scale(x, m) * tail.second.loadUnaligned(fromByteOffset: 4 * b, as: Float.self)
                    }
                    sums[t] += p
                }
            }
            for t in 0..<rows { out[(first + t) * outStride] = sums[t] }
            first += rows
        }
    }
}
#endif
