import Testing
import TestSupport
@testable import Tensor

/// `MatMul.matmuls` (several matrices, one activation quantization per format and one dispatch)
/// against `MatMul.matmul` on each matrix alone.
struct MatmulsTests {
    /// Matrices of four types and three activation formats (Q8_0, Q8_1, Q8_K or F32), with row
    /// counts that split unevenly among workers: every output has the bits of `matmul` on its
    /// matrix alone, for token counts below and above `parallelQuantizeMinTokens`, with one and
    /// two workers.
    @Test(arguments: [1, 2])
    func matmulsEqualEachMatmulAlone(threads: Int) throws {
        let pool = ThreadPool(threads: threads)
        let cols = 512
        let shapes: [(GGMLType, Int)] = [(.q4_1, 37), (.q8_0, 20), (.q4_K, 9), (.f16, 13), (.q4_0, 64)]
        let weights = shapes.enumerated().map { i, shape in
            RandomTensors.weights(shape.0, rows: shape.1, cols: cols, seed: 90 + UInt64(i))
        }
        for tokens in [1, 2, 3, 4, 8, 9] {
            let x = RandomTensors.floats(tokens * cols, seed: 7 + UInt64(tokens))
            var together: [[Float]] = [], alone: [[Float]] = []
            try x.withUnsafeBufferPointer { xb in
                let xp = try #require(xb.baseAddress)
                let outputs = shapes.map { UnsafeMutablePointer<Float>.allocate(capacity: tokens * $0.1) }
                let stored = weights.map { w in
                    let p = UnsafeMutableRawPointer.allocate(byteCount: w.count, alignment: 64)
                    p.copyMemory(from: w, byteCount: w.count)
                    return p
                }
                defer {
                    outputs.forEach { $0.deallocate() }
                    stored.forEach { $0.deallocate() }
                }
                let items = shapes.indices.map { MatvecItem(weights: stored[$0], type: shapes[$0].0, rows: shapes[$0].1, y: outputs[$0]) }
                try MatMul.matmuls(items, cols: cols, x: xp, tokens: tokens, pool: pool)
                together = shapes.indices.map { i in (0..<(tokens * shapes[i].1)).map { outputs[i][$0] } }
                for (i, shape) in shapes.enumerated() {
                    try MatMul.matmul(weights: stored[i], type: shape.0, rows: shape.1, cols: cols, x: xp, tokens: tokens,
                                      y: outputs[i], pool: pool, strategy: .dot)
                }
                alone = shapes.indices.map { i in (0..<(tokens * shapes[i].1)).map { outputs[i][$0] } }
            }
            for i in shapes.indices {
                #expect(together[i].map(\.bitPattern) == alone[i].map(\.bitPattern), "\(shapes[i].0), \(tokens) tokens")
                #expect(together[i].allSatisfy { $0.isFinite }, "\(shapes[i].0), \(tokens) tokens")
            }
        }
    }

    /// A matrix whose width is not a whole number of its blocks is refused with the matrix's type
    /// named, before anything is written.
    @Test func refusesPartialBlocks() throws {
        let w = [UInt8](repeating: 0, count: 4096)
        var y = [Float](repeating: 1, count: 64)
        let x = [Float](repeating: 0.5, count: 2 * 48)
        let thrown: KernelError? = w.withUnsafeBytes { wb in
            y.withUnsafeMutableBufferPointer { yb -> KernelError? in
                x.withUnsafeBufferPointer { xb -> KernelError? in
                    let items = [MatvecItem(weights: wb.baseAddress!, type: .q4_K, rows: 2, y: yb.baseAddress!)]
                    let result = Result { () throws(KernelError) in
                        try MatMul.matmuls(items, cols: 48, x: xb.baseAddress!, tokens: 2, pool: .shared)
                    }
                    if case let .failure(error) = result { return error }
                    return nil
                }
            }
        }
        let error = try #require(thrown)
        #expect(error.description.contains("Q4_K"), "\(error)")
        #expect(y.allSatisfy { $0 == 1 })
    }
}
