import Testing
@testable import Tensor

/// The activation quantizers the kernels use (SIMD where built) against the reference and the
/// Python oracle, byte for byte.
@Suite struct ActivationQuantTests {
    /// The blocks of the activation row the kernels get (without its `ActivationTail`).
    static func fastQuantize(_ type: GGMLType, _ x: [Float]) throws -> [UInt8] {
        Array(try fastRow(type, x).prefix(type.rowBytes(elements: x.count) ?? 0))
    }

    /// The whole activation row the kernels get: blocks, then the tail.
    static func fastRow(_ type: GGMLType, _ x: [Float]) throws -> [UInt8] {
        let traits = try #require(KernelTable.traits.values.first { $0.activationType == type })
        var out = [UInt8](repeating: 0xAA, count: traits.activationRowBytes(cols: x.count))
        try out.withUnsafeMutableBytes { p in
            try KernelTable.quantizeActivations(x, cols: x.count, for: traits, into: p.baseAddress!)
        }
        return out
    }

    static func referenceQuantize(_ type: GGMLType, _ x: [Float]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0x55, count: type.rowBytes(elements: x.count) ?? 0)
        try out.withUnsafeMutableBytes { p in try Quants.quantize(type, from: x, into: p.baseAddress!, count: x.count) }
        return out
    }

    /// Mixed magnitudes, an all-zero block, exact .5 ties (block max 127 makes d = 1), a block
    /// whose largest magnitude is negative and appears twice with both signs.
    static func inputs(_ count: Int) -> [Float] {
        var x = RandomTensors.floats(count, seed: 42)
        for i in 0..<count { x[i] *= [1e-3, 1, 30, 1e4][(i / 256) % 4] }
        for i in 0..<32 { x[32 + i] = 0 }
        for i in 0..<32 { x[64 + i] = Float(i % 9) - 3.5 }
        x[64] = 127
        x[96 + 3] = -50
        x[96 + 7] = 50
        return x
    }

    @Test(arguments: [GGMLType.q8_0, .q8_1, .q8_K])
    func matchesReference(type: GGMLType) throws {
        let x = ActivationQuantTests.inputs(4096)
        #expect(try ActivationQuantTests.fastQuantize(type, x) == ActivationQuantTests.referenceQuantize(type, x))
    }

    @Test(arguments: [GGMLType.q8_0, .q8_1, .q8_K])
    func matchesPythonOracle(type: GGMLType) throws {
        let x = try QuantOracle.floats("\(type.name).in.f32")
        #expect(try ActivationQuantTests.fastQuantize(type, x) == QuantOracle.bytes("\(type.name).q"))
    }

    /// The tail after the blocks holds each block's scale as F32, then Σq (Q8_0) or the F32 of
    /// the stored f16 `s` (Q8_1) — quants.py reads them from the Python `gguf` package's blocks —
    /// then, 64-byte aligned and inside the row, each block's 32 quants as the oracle's blocks
    /// hold them.
    @Test(arguments: [GGMLType.q8_0, .q8_1])
    func tailMatchesTheBlocks(type: GGMLType) throws {
        let x = try QuantOracle.floats("\(type.name).in.f32")
        let oracle = try QuantOracle.bytes("\(type.name).q")
        let traits = try #require(KernelTable.traits.values.first { $0.activationType == type })
        let blocks = x.count / 32, size = type.typeSize, qs = type == .q8_1 ? BlockLayout.Q8_1.qs : BlockLayout.Q8_0.qs
        let rowBytes = traits.activationRowBytes(cols: x.count)
        // Every start offset mod 64, so that each padding length is exercised.
        for shift in 0..<64 {
            var buffer = [UInt8](repeating: 0xAA, count: rowBytes + 64)
            let (scalesAndSums, copy, inside, interleaved) = try buffer.withUnsafeMutableBytes { p in
                let row = p.baseAddress! + shift
                try KernelTable.quantizeActivations(x, cols: x.count, for: traits, into: row)
                let start = ActivationTail.parts(row, blocks: blocks, size: size).quants
                let width = ActivationTail.quantBytes / 32
                // The copy's quants as Int8 (the SSE2 tier stores them widened to Int16).
                let copy = (0..<(32 * blocks)).map { i in
                    width == 2 ? UInt8(truncatingIfNeeded: start.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
                        : start.load(fromByteOffset: i, as: UInt8.self)
                }
                let signExtended = width == 1 || (0..<(32 * blocks)).allSatisfy { i in
                    let v = start.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)
                    return v == Int16(Int8(truncatingIfNeeded: v))
                }
                #expect(signExtended, "start offset \(shift): widened quants are not sign-extended bytes")
                // The interleaved copy (avx512 tier), read back into block order: zeros after the last block.
                let groups = ActivationTail.interleavedBytes(blocks: blocks) > 0 ? (blocks + 7) / 8 : 0
                let base = ActivationTail.interleaved(start, blocks: blocks)
                let interleaved = (0..<(8 * groups)).flatMap { b in
                    (0..<32).map { i in base.load(fromByteOffset: 256 * (b / 8) + 32 * (i / 4) + 4 * (b % 8) + i % 4, as: UInt8.self) }
                }
                let fits = groups == 0 || (Int(bitPattern: base) % 64 == 0 && base + 256 * groups <= UnsafeRawPointer(row + rowBytes))
                return (Array(UnsafeRawBufferPointer(start: row + blocks * size, count: 8 * blocks)), copy,
                        start + ActivationTail.quantBytes * blocks <= UnsafeRawPointer(row + rowBytes)
                            && Int(bitPattern: start) % 64 == 0 && fits, interleaved)
            }
            #expect(inside, "start offset \(shift): the quants copy is not aligned inside the row")
            #expect(scalesAndSums == (try QuantOracle.bytes("\(type.name).tail")), "start offset \(shift)")
            let expected = (0..<blocks).flatMap { b in oracle[(b * size + qs)..<((b + 1) * size)] }
            #expect(copy == expected, "start offset \(shift)")
            if !interleaved.isEmpty {
                #expect(interleaved == expected.map { $0 } + [UInt8](repeating: 0, count: interleaved.count - expected.count),
                        "start offset \(shift): interleaved copy")
            }
        }
    }
}
