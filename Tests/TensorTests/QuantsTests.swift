import Testing
@testable import Tensor

/// Reference (de)quantizers against the Python `gguf` package (see scripts/oracles/quants.py).
@Suite struct QuantsTests {
    static let dequantTypes: [GGMLType] = [.f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1,
                                           .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K]
    static let quantTypes: [GGMLType] = [.f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .q8_K]

    @Test(arguments: dequantTypes)
    func dequantizeIsBitExact(type: GGMLType) throws {
        let raw = try QuantOracle.bytes("\(type.name).bin")
        let expected = try QuantOracle.floats("\(type.name).f32")
        let count = raw.count / type.typeSize * type.blockSize
        #expect(count == expected.count)
        var got = [Float](repeating: .nan, count: count)
        try raw.withUnsafeBytes { src in
            try got.withUnsafeMutableBufferPointer { dst in
                try Quants.dequantize(type, from: src.baseAddress!, into: dst.baseAddress!, count: count)
            }
        }
        let mismatches = (0..<count).filter { got[$0].bitPattern != expected[$0].bitPattern }
        #expect(mismatches.isEmpty, "\(type): \(mismatches.count) of \(count) differ, first at \(mismatches.first ?? -1): \(mismatches.first.map { (got[$0], expected[$0]) }.map { "\($0)" } ?? "")")
        #expect(expected.allSatisfy { $0.isFinite })
    }

    @Test(arguments: quantTypes)
    func quantizeIsBitExact(type: GGMLType) throws {
        let input = try QuantOracle.floats("\(type.name).in.f32")
        let expected = try QuantOracle.bytes("\(type.name).q")
        let bytes = try #require(type.rowBytes(elements: input.count))
        #expect(bytes == expected.count)
        var got = [UInt8](repeating: 0xAA, count: bytes)
        try input.withUnsafeBufferPointer { src in
            try got.withUnsafeMutableBytes { dst in
                try Quants.quantize(type, from: src.baseAddress!, into: dst.baseAddress!, count: input.count)
            }
        }
        let mismatches = (0..<bytes).filter { got[$0] != expected[$0] }
        #expect(mismatches.isEmpty, "\(type): \(mismatches.count) of \(bytes) bytes differ, first at \(mismatches.first ?? -1)")
    }

    @Test func refusesPartialBlocksAndUnknownTypes() {
        var out = [Float](repeating: 0, count: 64)
        let raw = [UInt8](repeating: 0, count: 64)
        raw.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { dst in
                #expect(throws: KernelError.notWholeBlocks(.q4_0, count: 33)) {
                    try Quants.dequantize(.q4_0, from: src.baseAddress!, into: dst.baseAddress!, count: 33)
                }
                #expect(throws: KernelError.unsupportedType(.iq2_xxs, operation: "dequantize")) {
                    try Quants.dequantize(.iq2_xxs, from: src.baseAddress!, into: dst.baseAddress!, count: 256)
                }
            }
        }
    }
}
