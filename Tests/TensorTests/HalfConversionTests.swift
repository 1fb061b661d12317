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
}
