import Testing
@testable import Tensor

/// `MatMul.Strategy.int8` against the scalar reference: weights dequantized by the reference
/// dequantizer (itself checked against `gguf.quants`) times the unquantized F32 activations,
/// summed in Double.
///
/// The tolerance is the worst case of int8 activation quantization: each activation is off by at
/// most half a step, d/2 = max|x_span|/254 (a span: a 32-element block, or a 256-element
/// super-block for the K-quants with 16-element sub-blocks, as llama.cpp's Q8_K), so a row's
/// error is at most Σ_spans d/2·Σ|w| over the span, plus F32 rounding (relative 1e-5 of Σ|w·x|).
@Suite struct Int8GemmTests {
    static let types: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    /// (rows, cols, tokens): the models' shapes, tile edges (rows not a multiple of 32) and token
    /// counts around the kernel's 4-token step; 512 tokens only where the Double reference is cheap.
    static let shapes: [(rows: Int, cols: Int, tokens: [Int])] = [
        (32, 256, [1, 7, 8, 33, 512]),
        (45, 512, [1, 7, 33]),
        (1, 256, [5]),
        (256, 1536, [1, 8, 33]),
        (64, 512, [512]),
        (576, 576, [7, 33]),
        (1536, 576, [8]),
        (576, 1536, [33]),
        (2048, 2048, [7]),
    ]

    static func activations(_ count: Int, seed: UInt64) -> [Float] {
        // A few large outliers, as real hidden states have, so blocks get different scales.
        RandomTensors.floats(count, seed: seed).enumerated().map { i, v in i % 97 == 5 ? v * 24 : v }
    }

    /// Builds without the x86 kernels have nothing to test here (`.int8` falls back to `.blas`);
    /// the avx2 tier has every type but Q8_0, whose `.int8` falls back to `.blas` there.
    static let available = types.filter { MatMul.hasInt8Kernel(for: $0) }.count >= types.count - 1

    /// Odd-numbered shapes go through `.automatic` from `int8MinTokens` tokens on where it takes
    /// the int8 kernel (`MatMul.int8ByDefault`; it must pick it or a more accurate one), the rest
    /// through `.int8`.
    @Test(.enabled(if: available), arguments: types, [1, 2])
    func matchesReference(type: GGMLType, threads: Int) throws {
        let pool = ThreadPool(threads: threads)
        let block = [.q2_K, .q3_K, .q6_K].contains(type) ? 256 : 32
        for (i, shape) in Int8GemmTests.shapes.enumerated() where shape.cols % type.blockSize == 0 {
            let c = try MatMulTests.Case(type, rows: shape.rows, seed: UInt64(700 + i), cols: shape.cols)
            for tokens in shape.tokens {
                let x = Int8GemmTests.activations(tokens * c.cols, seed: UInt64(800 + tokens))
                var y = [Float](repeating: .nan, count: tokens * c.rows)
                try c.weights.withUnsafeBytes { w in
                    try y.withUnsafeMutableBufferPointer { yp in
                        try MatMul.matmul(weights: w.baseAddress!, type: type, rows: c.rows, cols: c.cols,
                                          x: x, tokens: tokens, y: yp.baseAddress!, pool: pool,
                                          strategy: i % 2 == 1 && MatMul.int8ByDefault && tokens >= MatMul.int8MinTokens ? .automatic : .int8)
                    }
                }
                var bad: [String] = []
                for t in 0..<tokens {
                    let xt = x[(t * c.cols)..<((t + 1) * c.cols)]
                    let steps = stride(from: 0, to: c.cols, by: block).map { b in
                        Double(xt[(xt.startIndex + b)..<(xt.startIndex + b + block)].map { abs($0) }.max() ?? 0) / 254
                    }
                    for r in 0..<c.rows {
                        var sum = 0.0, magnitude = 0.0, quantization = 0.0
                        for k in 0..<c.cols {
                            let w = Double(c.dequantized[r * c.cols + k]), v = Double(xt[xt.startIndex + k])
                            sum += w * v
                            magnitude += abs(w * v)
                            quantization += abs(w) * steps[k / block]
                        }
                        let got = Double(y[t * c.rows + r])
                        if !(abs(got - sum) <= quantization + 1e-5 * magnitude + 1e-6), bad.count < 3 {
                            bad.append("token \(t) row \(r): \(got) vs \(sum) ± \(quantization)")
                        }
                    }
                }
                #expect(bad.isEmpty, "\(type) \(c.rows)×\(c.cols), \(tokens) tokens, \(threads) threads: \(bad)")
            }
        }
    }

    /// The int8 path is at least as accurate as the quantized dot products (`.dot`, the decode
    /// path, whose K-quant activations are Q8_K with one scale per 256): typical errors cancel, so
    /// the worst-case bound above says little about them.
    @Test(.enabled(if: available), arguments: [GGMLType.q4_K, .q6_K, .q5_0, .q2_K, .q3_K])
    func typicalErrorNoWorseThanDotPath(type: GGMLType) throws {
        let rows = 64, cols = 1024, tokens = 9
        let c = try MatMulTests.Case(type, rows: rows, seed: 900, cols: cols)
        let x = Int8GemmTests.activations(tokens * cols, seed: 901)
        func rmsError(_ strategy: MatMul.Strategy) throws -> Double {
            var y = [Float](repeating: .nan, count: tokens * rows)
            try c.weights.withUnsafeBytes { w in
                try y.withUnsafeMutableBufferPointer { yp in
                    try MatMul.matmul(weights: w.baseAddress!, type: type, rows: rows, cols: cols, x: x, tokens: tokens,
                                      y: yp.baseAddress!, pool: ThreadPool(threads: 2), strategy: strategy)
                }
            }
            var errors = 0.0, norms = 0.0
            for t in 0..<tokens {
                for r in 0..<rows {
                    var sum = 0.0
                    for k in 0..<cols { sum += Double(c.dequantized[r * cols + k]) * Double(x[t * cols + k]) }
                    errors += (Double(y[t * rows + r]) - sum) * (Double(y[t * rows + r]) - sum)
                    norms += sum * sum
                }
            }
            return (errors / norms).squareRoot()
        }
        let int8 = try rmsError(.int8), dot = try rmsError(.dot)
        #expect(int8 <= dot * 1.05, "\(type): relative RMS error \(int8) with .int8, \(dot) with .dot")
    }
}
