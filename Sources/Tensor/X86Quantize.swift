#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// AVX-512 activation quantizers, bit-identical to the reference `Quants.quantize` (tested).
///
/// Round-half-away-from-zero is computed as truncate(v + copysign(0.5⁻, v)), the expansion LLVM
/// itself uses for `roundf`; round-half-even (Q8_K) is the default `vcvtps2dq` mode.
enum X86Quantize {
    static func rows(_ type: GGMLType) -> ((UnsafePointer<Float>, UnsafeMutableRawPointer, Int) -> Void)? {
        switch type {
        case .q8_0: { x, p, n in legacy(x, p, n, withSum: false) }
        case .q8_1: { x, p, n in legacy(x, p, n, withSum: true) }
        case .q8_K: q8_K
        default: nil
        }
    }

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always) static func abs16(_ v: SIMD16<Float>) -> SIMD16<Float> {
        unsafeBitCast(unsafeBitCast(v, to: SIMD16<UInt32>.self) & 0x7fff_ffff, to: SIMD16<Float>.self)
    }

    /// max over lanes with `vmaxps` (no NaN in activations): `pointwiseMax` and `.max()` follow
    /// IEEE NaN rules and compile to per-lane loops.
    @inline(__always) static func maxLanes(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        _mm512_max_ps(a, b)
    }

    @inline(__always) static func reduceMax(_ v: SIMD16<Float>) -> Float {
        _mm512_reduce_max_ps(v)
    }

    @inline(__always) static func roundAway(_ v: SIMD16<Float>) -> __m512i {
        let sign = unsafeBitCast(v, to: SIMD16<UInt32>.self) & 0x8000_0000
        let signed = unsafeBitCast(sign | Float(0.5).nextDown.bitPattern, to: SIMD16<Float>.self)
        return _mm512_cvttps_epi32(v + signed)
    }

    @inline(__always) static func storeBytes(_ q: __m512i, _ p: UnsafeMutableRawPointer) {
        p.storeBytes(of: unsafeBitCast(_mm512_cvtepi32_epi8(q), to: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
    }

    /// Q8_0 (or Q8_1 `withSum`) blocks of `n` floats, followed by their `ActivationTail`.
    static func legacy(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer, _ n: Int, withSum: Bool) {
        let size = withSum ? BlockLayout.Q8_1.size : BlockLayout.Q8_0.size
        let qsOffset = withSum ? BlockLayout.Q8_1.qs : BlockLayout.Q8_0.qs
        let blocks = n / 32
        let tail = ActivationTail.parts(p, blocks: blocks, size: size)
        let scales = UnsafeMutableRawPointer(mutating: tail.scales), second = UnsafeMutableRawPointer(mutating: tail.second)
        let copy = UnsafeMutableRawPointer(mutating: tail.quants)
        let interleaved = UnsafeMutableRawPointer(mutating: ActivationTail.interleaved(tail.quants, blocks: blocks))
        for b in 0..<blocks {
            let v0 = load(x + 32 * b), v1 = load(x + 32 * b + 16)
            let amax = reduceMax(maxLanes(abs16(v0), abs16(v1)))
            let d = amax / 127
            let id: Float = d == 0 ? 0 : 1 / d
            let q0 = roundAway(v0 * id), q1 = roundAway(v1 * id)
            let block = p + b * size
            storeBytes(q0, block + qsOffset)
            storeBytes(q1, block + qsOffset + 16)
            storeBytes(q0, copy + 32 * b)
            storeBytes(q1, copy + 32 * b + 16)
            ActivationTail.interleave(copy + 32 * b, b: b, blocks: blocks, into: interleaved)
            Quants.storeHalf(d, block, 0)
            scales.storeBytes(of: Field.half(block, 0), toByteOffset: 4 * b, as: Float.self)
            let sum = unsafeBitCast(_mm512_add_epi32(q0, q1), to: SIMD16<Int32>.self).wrappedSum()
            if withSum {
                Quants.storeHalf(Float(sum) * d, block, BlockLayout.Q8_1.s)
                second.storeBytes(of: Field.half(block, BlockLayout.Q8_1.s), toByteOffset: 4 * b, as: Float.self)
            } else {
                second.storeBytes(of: sum, toByteOffset: 4 * b, as: Int32.self)
            }
        }
    }

    static func q8_K(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer, _ n: Int) {
        typealias L = BlockLayout.Q8_K
        for b in 0..<(n / 256) {
            let xs = x + 256 * b, block = p + b * L.size
            var m = SIMD16<Float>()
            for g in 0..<16 { m = maxLanes(m, abs16(load(xs + 16 * g))) }
            let amax = reduceMax(m)
            guard amax > 0 else {
                block.initializeMemory(as: UInt8.self, repeating: 0, count: L.size)
                continue
            }
            // The signed value of the first element of largest magnitude, as the reference takes it.
            var i = 0
            while abs(xs[i]) != amax { i += 1 }
            let iscale = -127 / xs[i]
            let top = _mm512_set1_epi32(127)
            for g in 0..<16 {
                let q = _mm512_min_epi32(_mm512_cvtps_epi32(load(xs + 16 * g) * iscale), top)
                storeBytes(q, block + L.qs + 16 * g)
                let sum = unsafeBitCast(q, to: SIMD16<Int32>.self).wrappedSum()
                block.storeBytes(of: Int16(truncatingIfNeeded: sum), toByteOffset: L.bsums + 2 * g, as: Int16.self)
            }
            block.storeBytes(of: 1 / iscale, toByteOffset: L.d, as: Float.self)
        }
    }
}
#endif
