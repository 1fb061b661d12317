import Foundation
import GGUF
import TestSupport
import Testing

/// Mutated and truncated variants of the fixtures and of the head of a real model: each one loads
/// or throws a GGUFError; none may crash or hang. The seed is fixed so a failure reproduces
/// (the failing iteration is printed).
@Suite struct FuzzTests {
    static let seed: UInt64 = 0x5EED_6_6_0F

    static func bases() throws -> [(name: String, bytes: [UInt8])] {
        var bases: [(String, [UInt8])] = []
        for name in ["all-types-v3", "all-types-v2", "align-64"] {
            let url = try FixtureTests.fixture("\(name).gguf")
            bases.append((name, Array(try Data(contentsOf: url))))
        }
        // The head of a real model: header, metadata and the start of the vocabulary.
        if let handle = FileHandle(forReadingAtPath: TestPaths.smolLM2.path) {
            defer { try? handle.close() }
            if let head = try handle.read(upToCount: 1 << 16) { bases.append(("smollm2-head", Array(head))) }
        }
        return bases
    }

    static func mutate(_ input: [UInt8], using rng: inout SeededRandom) -> [UInt8] {
        var bytes = input
        let edits = Int.random(in: 1...6, using: &rng)
        for _ in 0..<edits where !bytes.isEmpty {
            let position = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0: bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            case 1: bytes[position] = UInt8.random(in: 0...255, using: &rng)
            case 2:  // an extreme 64-bit value where a count, length, dim or offset may live
                let extremes: [UInt64] = [0, 1, 0xFFFF_FFFF, 1 << 32, UInt64(Int64.max), UInt64.max, 1 << 62, 31, 33]
                let value = extremes[Int.random(in: 0..<extremes.count, using: &rng)]
                for i in 0..<8 where position + i < bytes.count { bytes[position + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
            case 3: bytes.removeSubrange(position..<bytes.count)
            case 4: bytes.insert(contentsOf: [UInt8](repeating: UInt8.random(in: 0...255, using: &rng), count: Int.random(in: 1...16, using: &rng)), at: position)
            case 5: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...16, using: &rng)))
            default:  // small integer where a 32-bit type id or dimension count may live
                let value = UInt32.random(in: 0...45, using: &rng)
                for i in 0..<4 where position + i < bytes.count { bytes[position + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
            }
        }
        return bytes
    }

    @Test func mutatedFilesLoadOrThrow() throws {
        let bases = try Self.bases()
        #expect(bases.count == 4, "the SmolLM2 model is needed for the real-model head (scripts/fetch-models.sh)")
        var rng = SeededRandom(seed: Self.seed)
        var loaded = 0
        var rejected = 0
        let iterations = 12_000
        for iteration in 0..<iterations {
            let base = bases[iteration % bases.count]
            let bytes = Self.mutate(base.bytes, using: &rng)
            do {
                let file = try GGUFFile(bytes: bytes)
                // Every view must lie inside the file: touch its first and last byte.
                for tensor in file.tensors {
                    let data = file.data(of: tensor)
                    #expect(file.dataOffset + tensor.offset + data.count <= bytes.count,
                            "iteration \(iteration) (\(base.name)): \(tensor.name) out of bounds")
                    if let first = data.first, let last = data.last { _ = first &+ last }
                }
                loaded += 1
            } catch {
                #expect(!error.description.isEmpty)
                rejected += 1
            }
        }
        #expect(loaded + rejected == iterations)
        // Both outcomes must occur, or the mutations are not exercising the reader.
        #expect(loaded > 100 && rejected > 1000, "loaded \(loaded), rejected \(rejected)")
    }

    @Test func everyTruncationOfAFixtureThrows() throws {
        let bytes = try Self.bases()[0].bytes
        let whole = try GGUFFile(bytes: bytes)
        // Past the last tensor's end only padding remains, which a file may lack.
        let end = whole.tensors.map { whole.dataOffset + $0.offset + $0.byteCount }.max() ?? bytes.count
        for length in stride(from: 0, to: end, by: 7) {
            #expect(throws: GGUFError.self, "length \(length)") { try GGUFFile(bytes: Array(bytes[..<length])) }
        }
    }
}
