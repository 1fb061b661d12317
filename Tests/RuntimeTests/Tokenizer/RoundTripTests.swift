import Foundation
import GGUF
import Runtime
import Testing
import TestSupport

/// decode(encode(s)) == s on random UTF-8 text, for every test vocabulary and both real models.
@Suite struct RoundTripTests {
    /// Pools that stress the pre-tokenizers: ASCII words and runs of blanks, digits,
    /// apostrophes, accents and combining marks, CJK, Khmer, emoji with joiners, and any scalar.
    static func randomText(_ rng: inout SeededRandom) -> String {
        let pools: [[Unicode.Scalar]] = [
            Array("abcXYZ hello world ".unicodeScalars),
            Array("  \t\n\n\r ".unicodeScalars),
            Array("0123456789 3.14".unicodeScalars),
            Array("'s 'll 'VE !?.,;:()[]{}<>|$+^~`\"-_=*&%#@/\\".unicodeScalars),
            Array("äöüßéèçñÅΩЖжनमस्ते\u{301}\u{308}".unicodeScalars),
            Array("東京我想在工作天～가나다".unicodeScalars),
            Array("កាន់តែពិសេស".unicodeScalars),
            Array("🦙😁🚀✅😶\u{200D}🌫\u{FE0F}".unicodeScalars),
        ]
        var scalars = String.UnicodeScalarView()
        let length = Int.random(in: 0...40, using: &rng)
        for _ in 0..<length {
            let pick = Int.random(in: 0...pools.count, using: &rng)
            if pick == pools.count {
                if let any = Unicode.Scalar(UInt32.random(in: 1...0x10FFFF, using: &rng)) { scalars.append(any) }
            } else {
                scalars.append(pools[pick].randomElement(using: &rng) ?? " ")
            }
        }
        return String(scalars)
    }

    /// The bytes the vocabulary can spell at all: some byte-level vocabularies (StarCoder,
    /// Falcon, MPT) lack tokens for bytes their training data never held, and such bytes are
    /// dropped by every implementation. Derived from the token texts with GPT-2's published byte
    /// map and SentencePiece's `<0xNN>` names, independently of the tokenizer's own tables.
    static func spellableBytes(_ tokenizer: Tokenizer) -> Set<UInt8> {
        let texts = Set(tokenizer.tokenTexts)
        var printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        var mapped = printable
        var next = 256
        for byte in 0..<256 where !printable.contains(byte) {
            printable.append(byte)
            mapped.append(next)
            next += 1
        }
        var result = Set<UInt8>()
        for (byte, scalar) in zip(printable, mapped) {
            let name: String
            switch tokenizer.kind {
            case .bytePairEncoding: name = String(Character(Unicode.Scalar(UInt32(scalar)) ?? "?"))
            case .sentencePiece, .spaceEscapedBytePairEncoding: name = "<0x" + String(format: "%02X", byte) + ">"
            }
            if texts.contains(name) { result.insert(UInt8(byte)) }
        }
        return result
    }

    static func check(_ tokenizer: Tokenizer, seed: UInt64, count: Int) {
        var rng = SeededRandom(seed: seed)
        let spellable = spellableBytes(tokenizer)
        var checked = 0
        for _ in 0..<count {
            let text = randomText(&rng)
            if !text.utf8.allSatisfy(spellable.contains) { continue }
            checked += 1
            let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: false)
            #expect(tokenizer.decode(ids) == text, "\(text.debugDescription) → \(ids)")
        }
        #expect(checked > count / 3, "too few random texts were spellable")
    }

    @Test(arguments: VocabularyFixtures.names)
    func randomTextRoundTrips(_ name: String) throws {
        Self.check(try VocabularyFixtures.tokenizer(name), seed: 42, count: 300)
    }

    @Test(arguments: [TestPaths.smolLM2, TestPaths.gemma3])
    func randomTextRoundTripsOnRealModels(_ model: URL) throws {
        Self.check(try Tokenizer(file: GGUFFile(path: model.path)), seed: 7, count: 300)
    }
}
