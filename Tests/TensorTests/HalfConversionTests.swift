import TestSupport
import Testing
@testable import Tensor

@Suite struct HalfConversionTests {
    /// Every one of the 65 536 halves converts as Swift's own `Float(Float16)` does (NaNs stay NaN),
    /// scalar and sixteen at a time.
    @Test func allHalvesMatchTheStandardLibrary() {
        let all = (0...UInt16.max).map { $0 }
        var vector = [Float](repeating: 0, count: all.count)
        all.withUnsafeBytes { src in
            vector.withUnsafeMutableBufferPointer { dst in
                HalfConversion.convert(src.baseAddress!, dst.baseAddress!, count: all.count)
            }
        }
        var mismatches = 0
        for bits in all {
            let expected = Float(Float16(bitPattern: bits))
            for got in [HalfConversion.float(bits), vector[Int(bits)]] {
                let same = expected.isNaN ? got.isNaN : got.bitPattern == expected.bitPattern
                if !same { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    /// F32 → F16 rounding agrees with `Float16(x)`: every combination of the top 20 bits (sign,
    /// exponent, the mantissa bits that survive plus the rounding bit) with low-bit patterns below
    /// and at half-way, which covers ties, overflow, subnormals, zero and NaN; plus random inputs.
    @Test func halfRoundingMatchesTheStandardLibrary() {
        var rng = SeededRandom(seed: 99)
        var inputs: [UInt32] = []
        for high in stride(from: UInt32(0), to: 1 << 20, by: 1) {
            for low: UInt32 in [0, 0x0001, 0x07ff, 0x0800, 0x0fff] {
                inputs.append(high << 12 | low)
            }
        }
        for _ in 0..<200_000 { inputs.append(UInt32(truncatingIfNeeded: rng.next())) }
        var mismatches = 0
        for bits in inputs {
            let f = Float(bitPattern: bits)
            let expected = Float16(f), got = HalfConversion.half(f)
            let same = expected.isNaN ? Float16(bitPattern: got).isNaN : got == expected.bitPattern
            if !same { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func rowStoreMatchesTheStandardLibrary() {
        var rng = SeededRandom(seed: 7)
        let n = 16 * 4096 + 5
        let source: [Float] = (0..<n).map { i in
            i % 3 == 0 ? Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) : Float(Int(rng.next() % 200_001) - 100_000) / 997
        }
        var halves = [UInt16](repeating: 0, count: n)
        halves.withUnsafeMutableBytes { Float16Rows.store(source, to: $0.baseAddress!, count: n) }
        var mismatches = 0
        for (f, got) in zip(source, halves) {
            let expected = Float16(f)
            if !(expected.isNaN ? Float16(bitPattern: got).isNaN : got == expected.bitPattern) { mismatches += 1 }
        }
        #expect(mismatches == 0)
        var back = [Float](repeating: 0, count: n)
        halves.withUnsafeBytes { Float16Rows.load($0.baseAddress!, to: &back, count: n) }
        #expect(zip(halves, back).allSatisfy { h, f in Float(Float16(bitPattern: h)).bitPattern == f.bitPattern || f.isNaN })
    }
}
