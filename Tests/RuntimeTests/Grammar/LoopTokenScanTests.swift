import Testing
import TestSupport
@testable import Runtime

/// `LoopTokenScan`'s whole-trie pass over the edges, checked two ways on the real vocabularies:
/// against a per-token classification that reads each token's bytes on its own (no trie), and
/// against the depth-first walk (`subtree` from the root) for loops of every shape, counted and
/// not, with and without UTF-8 characters.
@Suite struct LoopTokenScanTests {
    /// Per token: inside, and the characters it starts; per token prefix that reaches a loop
    /// exit: the exit's path and the characters before it. Nothing here uses the trie.
    struct Classification {
        var inside: [Int32: Int] = [:]
        /// Exit paths (the bytes up to and including the exit's own byte) → characters before.
        var exits: [[UInt8]: Int] = [:]
        /// The most characters of an inside token or exit whose path has a multi-byte character.
        var utf8Depth = 0
    }

    static func classify(_ v: TokenVocabulary, loop: ByteSet, utf8: Bool) -> Classification {
        var out = Classification()
        for (id, bytes) in v.tokens.enumerated() where !bytes.isEmpty {
            var u = 0, chars = 0
            var wide = false
            var inside = true
            for (i, b) in bytes.enumerated() {
                let next: Int
                if u == 0 && loop.contains(b) {
                    next = 0
                } else {
                    next = utf8 ? Int(UTF8Automaton.next[u * 256 + Int(b)]) : -1
                }
                if next < 0 {
                    if u == 0 {
                        out.exits[Array(bytes[...i])] = chars
                        if wide { out.utf8Depth = max(out.utf8Depth, chars) }
                    }
                    inside = false
                    break
                }
                if u == 0 { chars += 1 }
                if next != 0 || u != 0 { wide = true }
                u = next
            }
            if inside {
                out.inside[Int32(id)] = min(chars, 255)
                if wide { out.utf8Depth = max(out.utf8Depth, chars) }
            }
        }
        return out
    }

    static func path(ofEdge k: Int, _ trie: TokenTrie) -> [UInt8] {
        var bytes: [UInt8] = [trie.childByte[k]]
        var node = Int(trie.edgeParent[k])
        while node != 0 {
            // The edge into `node` is edge node - 1 (children are numbered after the edges).
            let e = node - 1
            bytes.append(trie.childByte[e])
            node = Int(trie.edgeParent[e])
        }
        return bytes.reversed()
    }

    static func tokenChars(_ scan: LoopTokenScan) -> [Int32: Int] {
        var out: [Int32: Int] = [:]
        for (t, c) in scan.tokenChars.enumerated() where c > 0 { out[Int32(t)] = Int(c) }
        return out
    }

    static let jsonString = ByteSet(bytes: (0x20...0x7F).filter { $0 != 0x22 && $0 != 0x5C }.map(UInt8.init))

    /// The pass finds exactly the tokens, exits, character counts and UTF-8 depth that each
    /// token's own bytes give.
    @Test func wholeTrieMatchesPerTokenClassification() {
        let digits = ByteSet(0x30...0x39)
        let label = ByteSet(bytes: Array("abcdefghijklmnopqrstuvwxyz0123456789-".utf8))
        for (name, v) in WarmConstraintTests.vocabularies() {
            for (loop, utf8) in [(Self.jsonString, true), (Self.jsonString, false), (digits, false), (label, true)] {
                let expected = Self.classify(v, loop: loop, utf8: utf8)
                let moves = LoopTokenScan.moves(loop: loop, utf8: utf8)
                let scan = LoopTokenScan.wholeTrie(moves: moves, counted: true, vocabulary: v)
                let what = "\(name), loop of \(loop.count) bytes, utf8 \(utf8)"
                let chars = Self.tokenChars(scan)
                let sameInside = chars == expected.inside
                #expect(sameInside, "\(what): inside tokens and their characters, \(chars.filter { expected.inside[$0.key] != $0.value }.count) of \(chars.count) differ")
                #expect(scan.insideCount == expected.inside.count, "\(what)")
                var exits: [[UInt8]: Int] = [:]
                for (k, depth) in zip(scan.exits, scan.exitDepths) { exits[Self.path(ofEdge: Int(k), v.trie)] = Int(depth) }
                #expect(scan.exits.count == exits.count, "\(what): an exit listed twice")
                let sameExits = exits == expected.exits
                #expect(sameExits, "\(what): exits, \(exits.count) against \(expected.exits.count)")
                #expect(scan.utf8Depth == expected.utf8Depth, "\(what): UTF-8 depth")
            }
        }
    }

    /// On random loops (some with bytes above 0x7F, where a loop byte and a UTF-8 lead byte
    /// meet), the pass over the edges and the depth-first walk agree on everything.
    @Test func wholeTrieMatchesDepthFirstWalk() {
        var rng = SeededRandom(seed: 19)
        for (name, v) in WarmConstraintTests.vocabularies() {
            for round in 0..<12 {
                var loop = ByteSet()
                let density = [0.3, 0.9, 0.97][round % 3]
                for b in 0..<256 where Double.random(in: 0..<1, using: &rng) < (b < 128 ? density : 0.1) {
                    loop.insert(UInt8(b))
                }
                if round % 4 == 0 { loop = ByteSet(bytes: loop.bytes.filter { $0 < 0x80 }) }
                let utf8 = round % 2 == 0, counted = round % 3 != 1
                let moves = LoopTokenScan.moves(loop: loop, utf8: utf8)
                let pass = LoopTokenScan.wholeTrie(moves: moves, counted: counted, vocabulary: v)
                let walk = LoopTokenScan.subtree(0, moves: moves, counted: counted, vocabulary: v)
                let what = "\(name) round \(round): loop of \(loop.count) bytes, utf8 \(utf8), counted \(counted)"
                let sameWords = pass.words == walk.words
                #expect(sameWords, "\(what): words")
                #expect(pass.insideCount == walk.insideCount, "\(what)")
                let sameCounts = pass.tokenChars == walk.tokenChars
                #expect(sameCounts, "\(what): characters per token")
                #expect(pass.utf8Depth == walk.utf8Depth, "\(what)")
                let passExits = counted ? Dictionary(uniqueKeysWithValues: zip(pass.exits, pass.exitDepths))
                    : Dictionary(uniqueKeysWithValues: pass.exits.map { ($0, UInt8(0)) })
                let walkExits = counted ? Dictionary(uniqueKeysWithValues: zip(walk.exits, walk.exitDepths))
                    : Dictionary(uniqueKeysWithValues: walk.exits.map { ($0, UInt8(0)) })
                let sameExits = passExits == walkExits
                #expect(sameExits, "\(what): exits")
                #expect(pass.exits.count == walk.exits.count, "\(what)")
            }
        }
    }
}

/// `LoopTokenCache`'s bounds: past its byte budget or entry count the oldest entries go, the
/// newest stay, and an entry asked for again after eviction is computed again, equal to a fresh
/// computation.
@Suite struct LoopTokenCacheBoundsTests {
    @Test func oldestEntriesGoFirstAndComeBackEqual() {
        guard let v = SmolVocab.required() else { return }
        let loops = (0..<6).map { i in ByteSet(bytes: LoopTokenScanTests.jsonString.bytes.filter { $0 != UInt8(0x41 + i) }) }
        let one = LoopTokens(loop: loops[0], utf8: true, node: 0, vocabulary: v, counted: true).byteCount
        // Room for three counted whole-trie entries.
        let cache = LoopTokenCache(maxEntries: 100, maxBytes: one * 3 + one / 2)
        for loop in loops { _ = cache.tokens(loop: loop, utf8: true, node: 0, counted: true, vocabulary: v) }
        #expect(cache.heldBytes <= one * 3 + one / 2)
        let held = loops.map { cache.contains(LoopTokenCache.Key(loop: $0, utf8: true, node: 0, counted: true)) }
        #expect(held == [false, false, false, true, true, true])
        let again = cache.tokens(loop: loops[0], utf8: true, node: 0, counted: true, vocabulary: v)
        let fresh = LoopTokens(loop: loops[0], utf8: true, node: 0, vocabulary: v, counted: true)
        #expect(again.upTo == fresh.upTo && again.exits == fresh.exits && again.exitDepths == fresh.exitDepths)
        #expect(cache.contains(LoopTokenCache.Key(loop: loops[0], utf8: true, node: 0, counted: true)))
        #expect(!cache.contains(LoopTokenCache.Key(loop: loops[3], utf8: true, node: 0, counted: true)))

        // The entry count: small entries below nodes push out the oldest.
        let small = LoopTokenCache(maxEntries: 4)
        let nodes = (1...6).map { Int32($0) }
        for node in nodes { _ = small.tokens(loop: LoopTokenScanTests.jsonString, utf8: true, node: node, vocabulary: v) }
        let kept = nodes.map { small.contains(LoopTokenCache.Key(loop: LoopTokenScanTests.jsonString, utf8: true, node: $0)) }
        #expect(kept == [false, false, true, true, true, true])
    }
}
