#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// F16 → F32 conversion without the runtime library.
///
/// `Float(Float16)` compiles to a call to `__extendhfsf2` in libswiftCore on Linux, even with
/// `-target-cpu native` — a function call per element. These versions are exact for every half
/// (subnormals, infinities and NaN payloads included) and vectorise.
@usableFromInline enum HalfConversion {
    /// One half (as its bits) to F32.
    @inline(__always) @usableFromInline
    static func float(_ h: UInt16) -> Float {
        let bits = UInt32(h)
        let sign = (bits & 0x8000) << 16
        let rest = bits & 0x7fff
        if rest >= 0x7c00 { // Inf or NaN: all-ones exponent, payload kept
            return Float(bitPattern: sign | 0x7f80_0000 | ((rest & 0x3ff) << 13))
        }
        // Normal halves: rebias the exponent in the integer domain; subnormal ones are m·2⁻²⁴,
        // converted from the integer mantissa (a float operation on a subnormal F32 would take a
        // microcode assist; see `Field.scale`).
        let magnitude = rest < 0x400 ? Float(Int32(bitPattern: rest)) * 0x1p-24
                                     : Float(bitPattern: (rest << 13) &+ 0x3800_0000)
        return Float(bitPattern: magnitude.bitPattern | sign)
    }

    /// Sixteen halves at `p` (any alignment) to F32.
    @inline(__always) @usableFromInline
    static func float16(_ p: UnsafeRawPointer) -> SIMD16<Float> {
        #if SWIFTLLM_X86_SIMD
        return _mm512_cvtph_ps(unsafeBitCast(p.loadUnaligned(as: SIMD16<UInt16>.self), to: __m256i.self))
        #elseif SWIFTLLM_AVX2
        // F16C. The portable form below compiles to a per-lane loop (the widening conversion of
        // SIMD16<UInt16> is not vectorised): it made attention a third of SmolLM2's decode time.
        let h = p.loadUnaligned(as: SIMD16<UInt16>.self)
        let low = _mm256_cvtph_ps(unsafeBitCast(h.lowHalf, to: __m128i.self))
        let high = _mm256_cvtph_ps(unsafeBitCast(h.highHalf, to: __m128i.self))
        return SIMD16(lowHalf: low, highHalf: high)
        #elseif arch(x86_64)
        // SSE2: the widening done by unpacking with zero (the conversion below is a per-lane loop
        // under baseline codegen), then the same bit arithmetic four lanes at a time.
        let h = p.loadUnaligned(as: SIMD16<UInt16>.self), zero = _mm_setzero_si128()
        @inline(__always) func four(_ v: __m128i) -> SIMD4<Float> {
            let bits = unsafeBitCast(v, to: SIMD4<UInt32>.self)
            let sign = (bits & 0x8000) &<< 16
            let rest = bits & 0x7fff
            let finite = unsafeBitCast(unsafeBitCast(rest &<< 13, to: SIMD4<Float>.self) * 0x1p112, to: SIMD4<UInt32>.self)
            let special = 0x7f80_0000 | ((rest & 0x3ff) &<< 13)
            return unsafeBitCast(finite.replacing(with: special, where: rest .>= 0x7c00) | sign, to: SIMD4<Float>.self)
        }
        let low = unsafeBitCast(h.lowHalf, to: __m128i.self), high = unsafeBitCast(h.highHalf, to: __m128i.self)
        return SIMD16(lowHalf: SIMD8(lowHalf: four(_mm_unpacklo_epi16(low, zero)), highHalf: four(_mm_unpackhi_epi16(low, zero))),
                      highHalf: SIMD8(lowHalf: four(_mm_unpacklo_epi16(high, zero)), highHalf: four(_mm_unpackhi_epi16(high, zero))))
        #else
        let bits = SIMD16<UInt32>(truncatingIfNeeded: p.loadUnaligned(as: SIMD16<UInt16>.self))
        let sign = (bits & 0x8000) &<< 16
        let rest = bits & 0x7fff
        let finite = unsafeBitCast(unsafeBitCast(rest &<< 13, to: SIMD16<Float>.self) * 0x1p112, to: SIMD16<UInt32>.self)
        let special = 0x7f80_0000 | ((rest & 0x3ff) &<< 13)
        return unsafeBitCast(finite.replacing(with: special, where: rest .>= 0x7c00) | sign, to: SIMD16<Float>.self)
        #endif
    }

    /// F32 to half bits, rounding to nearest even (overflow → ±Inf, NaN → quiet NaN), without the
    /// `__truncsfhf2` library call that `Float16(x)` compiles to. After F. Giesen's
    /// float_to_half_fast3_rtne.
    @inline(__always) @usableFromInline
    static func half(_ f: Float) -> UInt16 {
        var x = f.bitPattern
        let sign = x & 0x8000_0000
        x ^= sign
        let o: UInt32
        if x >= 0x4780_0000 { // |f| ≥ 65536, Inf or NaN
            o = x > 0x7f80_0000 ? 0x7e00 : 0x7c00
        } else if x < 0x3880_0000 { // |f| < 2⁻¹⁴: the half is subnormal or zero
            let magic = Float(bitPattern: 0x3f00_0000) // adding 0.5 leaves the rounded half mantissa in the low bits
            o = (Float(bitPattern: x) + magic).bitPattern &- magic.bitPattern
        } else {
            let odd = (x >> 13) & 1
            o = (x &+ 0xc800_0fff &+ odd) >> 13 // rebias by (15 − 127) << 23, round half to even
        }
        return UInt16(truncatingIfNeeded: o | (sign >> 16))
    }

    /// `count` halves at `src` to F32 at `dst`.
    @usableFromInline
    static func convert(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            UnsafeMutableRawPointer(dst + i).storeBytes(of: float16(src + 2 * i), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            dst[i] = float(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            i += 1
        }
    }
}

extension HalfConversion {
    /// Sixteen floats to half bits, rounding to nearest even: `half(_:)` lane by lane.
    @inline(__always) @usableFromInline
    static func half16(_ f: SIMD16<Float>) -> SIMD16<UInt16> {
        var x = unsafeBitCast(f, to: SIMD16<UInt32>.self)
        let sign = x & 0x8000_0000
        x ^= sign
        let odd = (x &>> 13) & 1
        var o = (x &+ 0xc800_0fff &+ odd) &>> 13
        let magic = SIMD16<Float>(repeating: Float(bitPattern: 0x3f00_0000))
        let small = unsafeBitCast(unsafeBitCast(x, to: SIMD16<Float>.self) + magic, to: SIMD16<UInt32>.self) &- 0x3f00_0000
        o.replace(with: small, where: x .< 0x3880_0000)
        o.replace(with: 0x7c00, where: x .>= 0x4780_0000)
        o.replace(with: 0x7e00, where: x .> 0x7f80_0000)
        return SIMD16<UInt16>(truncatingIfNeeded: o | (sign &>> 16))
    }
}

/// F32 rows to and from F16 storage (the KV cache's format), vectorised, without the runtime
/// library calls that `Float16(x)` and `Float(h)` compile to.
public enum Float16Rows {
    /// Stores `count` floats from `source` as halves (round to nearest even) at `destination`.
    public static func store(_ source: UnsafePointer<Float>, to destination: UnsafeMutableRawPointer, count: Int) {
        var i = 0
        while i + 16 <= count {
            let h = HalfConversion.half16(UnsafeRawPointer(source + i).loadUnaligned(as: SIMD16<Float>.self))
            (destination + 2 * i).storeBytes(of: h, as: SIMD16<UInt16>.self)
            i += 16
        }
        while i < count {
            (destination + 2 * i).storeBytes(of: HalfConversion.half(source[i]), as: UInt16.self)
            i += 1
        }
    }

    /// Loads `count` halves from `source` into floats at `destination`.
    public static func load(_ source: UnsafeRawPointer, to destination: UnsafeMutablePointer<Float>, count: Int) {
        HalfConversion.convert(source, destination, count: count)
    }
}
