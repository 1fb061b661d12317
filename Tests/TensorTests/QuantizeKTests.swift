import Foundation
import Testing
import TestSupport
@testable import Tensor

/// The K-quant quantizers against llama.cpp's (`ggml_quantize_chunk`, no importance matrix), whose
/// outputs `scripts/oracles/llamacpp/kquant_reference.py` wrote to `Tests/Reference/kquants.*`.
@Suite struct QuantizeKTests {
    static func reference(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: TestPaths.repoRoot.appendingPathComponent("Tests/Reference/kquants.\(name)")))
    }

    static func quantize(_ type: GGMLType, _ input: [Float]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0xAA, count: input.count / 256 * type.typeSize)
        try input.withUnsafeBufferPointer { src in
            try out.withUnsafeMutableBytes { dst in
                try Quants.quantize(type, from: src.baseAddress!, into: dst.baseAddress!, count: input.count)
            }
        }
        return out
    }

    static func dequantize(_ type: GGMLType, _ bytes: [UInt8]) throws -> [Float] {
        let count = bytes.count / type.typeSize * 256
        var out = [Float](repeating: 0, count: count)
        try bytes.withUnsafeBytes { src in
            try out.withUnsafeMutableBufferPointer { dst in
                try Quants.dequantize(type, from: src.baseAddress!, into: dst.baseAddress!, count: count)
            }
        }
        return out
    }

    @Test(arguments: [GGMLType.q4_K, .q5_K, .q6_K])
    func blocksMatchLlamaCpp(type: GGMLType) throws {
        let raw = try Self.reference("in.f32")
        let input = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let expected = try Self.reference("\(type.name).bin")
        let got = try Self.quantize(type, input)
        #expect(got.count == expected.count)
        let size = type.typeSize
        let differing = (0..<(got.count / size)).filter { b in
            got[(b * size)..<((b + 1) * size)] != expected[(b * size)..<((b + 1) * size)]
        }
        #expect(differing.isEmpty, "\(type): blocks \(differing) of \(got.count / size) differ from llama.cpp's")
    }

    /// Quantizing what a block dequantizes to stays close to it: the searches find the grid the
    /// values already lie on (or one as good), on random data of several scales.
    @Test(arguments: [GGMLType.q4_K, .q5_K, .q6_K])
    func requantizingIsStable(type: GGMLType) throws {
        var random = SeededRandom(seed: 17)
        let input = (0..<(16 * 256)).map { i in
            Float.random(in: -1...1, using: &random) * Float.random(in: 0...1, using: &random) * [0.01, 1, 300][i / 256 % 3]
        }
        let once = try Self.dequantize(type, try Self.quantize(type, input))
        let twice = try Self.dequantize(type, try Self.quantize(type, once))
        for b in 0..<16 {
            let range = (b * 256)..<((b + 1) * 256)
            let energy = range.reduce(Float(0)) { $0 + input[$1] * input[$1] }
            let first = range.reduce(Float(0)) { $0 + (once[$1] - input[$1]) * (once[$1] - input[$1]) }
            let second = range.reduce(Float(0)) { $0 + (twice[$1] - once[$1]) * (twice[$1] - once[$1]) }
            #expect(first < energy * 0.01, "\(type) block \(b): relative error² \(first / energy)")
            #expect(second <= first * 0.5, "\(type) block \(b): requantized error² \(second) vs first \(first)")
        }
    }
}
