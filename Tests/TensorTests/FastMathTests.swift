import Foundation
import Testing
@testable import Tensor

/// The vectorised exp/tanh against the platform's double-precision libm.
@Suite struct FastMathTests {
    /// Every 1/64 step over the useful range, plus values near the limits.
    static let sweep: [Float] = stride(from: -87.0, through: 88.0, by: 1.0 / 64).map { Float($0) }
        + [-87.336, -1e-30, 0, 1e-30, 1e-7, 87.999]

    static func lanes(_ xs: [Float], _ f: (SIMD16<Float>) -> SIMD16<Float>) -> [Float] {
        stride(from: 0, to: xs.count, by: 16).flatMap { start -> [Float] in
            var v = SIMD16<Float>()
            let n = min(16, xs.count - start)
            for j in 0..<n { v[j] = xs[start + j] }
            let r = f(v)
            return (0..<n).map { r[$0] }
        }
    }

    @Test func expWithinTwoUlp() {
        let got = Self.lanes(Self.sweep, FastMath.exp)
        let worst = zip(Self.sweep, got).map { x, y in abs(Double(y) / exp(Double(x)) - 1) }.max() ?? 1
        #expect(worst < 2.5e-7, "max relative error \(worst)")
    }

    @Test func expLimits() {
        let r = FastMath.exp(SIMD16<Float>(-.infinity, -1000, -88, 100, .infinity, 0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0))
        #expect(r[0] == 0 && r[1] == 0 && r[2] == 0)
        #expect(r[3].isFinite && r[3] > 1e38 && r[4].isFinite)
        #expect(r[5] == 1)
        #expect(abs(Double(r[6]) - M_E) < 1e-6 && abs(Double(r[7]) - 1 / M_E) < 1e-7)
    }

    @Test func tanhAbsoluteError() {
        let xs = stride(from: -20.0, through: 20.0, by: 1.0 / 128).map { Float($0) }
        let got = Self.lanes(xs, FastMath.tanh)
        let worst = zip(xs, got).map { x, y in abs(Double(y) - tanh(Double(x))) }.max() ?? 1
        #expect(worst < 2e-7, "max absolute error \(worst)")
    }

    @Test func longRowsUseTheVectorPathAndTail() {
        let n = 77
        let a = RandomTensors.floats(n, seed: 9).map { $0 * 10 }
        var out = [Float](repeating: 0, count: n)
        Ops.gelu(a, out: &out, n: n)
        let expected = a.map { v in
            let x = Double(v)
            return 0.5 * x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
        }
        #expect(OpsTests.close(out, expected))
        var s = a
        Ops.softmax(&s, n: n)
        let e = a.map { exp(Double($0) - Double(a.max() ?? 0)) }
        #expect(OpsTests.close(s, e.map { $0 / e.reduce(0, +) }))
    }

    /// log Σ exp against libm in Double, over the lengths around the vector width, a vocabulary,
    /// masked entries and the degenerate rows.
    @Test func logSumExpMatchesDoubleLibm() {
        for n in [1, 2, 15, 16, 17, 31, 33, 100, 49_152] {
            var x = RandomTensors.floats(n, seed: UInt64(n)).map { $0 * 12 }
            if n > 4 { x[1] = -.infinity; x[n - 2] = -.infinity }
            let m = x.max() ?? 0
            let expected = log(x.reduce(0.0) { $0 + exp(Double($1 - m)) })
            let (gotMax, gotLog) = Ops.logSumExp(x, n: n)
            #expect(gotMax == m)
            #expect(abs(gotLog - expected) < 1e-6 * max(1, abs(expected)), "n \(n): \(gotLog) vs \(expected)")
        }
        let masked = [Float](repeating: -.infinity, count: 20)
        #expect(Ops.logSumExp(masked, n: 20).max == -.infinity)
    }
}

