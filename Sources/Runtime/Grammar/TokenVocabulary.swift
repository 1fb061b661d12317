/// A vocabulary as the grammar engine sees it: each token id's bytes, in a trie so a mask is one
/// walk that shares work between tokens with a common prefix. Tokens with no bytes (control and
/// special tokens) are never allowed by a grammar; end-of-generation is handled by `eosTokens`.
public final class TokenVocabulary: Sendable {
    /// Token id → bytes.
    public let tokens: [[UInt8]]
    /// Tokens that end generation: allowed exactly when the grammar is complete.
    public let eosTokens: [Int]

    /// The tokens' bytes as a trie.
    let trie: TokenTrie
    /// Per node: how many tokens end in its subtree (itself excluded); the mask walk only tries
    /// loop shortcuts where a subtree is big enough to pay for them.
    let subtreeTokens: [Int32]
    /// Token ids grouped by first byte: those starting with b are
    /// `byFirstByte[firstByteStart[b] ..< firstByteStart[b + 1]]` (`LoopTokens.openKey` drops
    /// whole first bytes from a loop's tokens).
    let firstByteStart: [Int32]
    let byFirstByte: [Int32]
    /// Precomputed token sets for loop states (see `LoopTokens`), shared by every grammar.
    let loopCache = LoopTokenCache()
    /// Compiled grammars by text and warm matchers by grammar, for repeated constrained
    /// generations (see `ConstraintPool`).
    public let constraints = ConstraintPool()

    public var count: Int { tokens.count }

    public init(tokens: [[UInt8]], eosTokens: [Int]) {
        self.tokens = tokens
        self.eosTokens = eosTokens
        let trie = TokenTrie(tokens: tokens)
        self.trie = trie
        let childStart = trie.childStart, childCount = trie.childCount
        let tokenStart = trie.tokenStart
        var subtree = [Int32](repeating: 0, count: childStart.count)
        // Breadth-first order puts every child after its parent, so one backward pass sums.
        for n in stride(from: childStart.count - 1, through: 0, by: -1) {
            let start = Int(childStart[n])
            for k in start..<start + Int(childCount[n]) {
                let c = TokenTrie.child(k)
                subtree[n] += subtree[c] + tokenStart[c + 1] - tokenStart[c]
            }
        }
        self.subtreeTokens = subtree
        var start = [Int32](repeating: 0, count: 257)
        for bytes in tokens { if let b = bytes.first { start[Int(b) + 1] += 1 } }
        for b in 0..<256 { start[b + 1] += start[b] }
        var next = Array(start.prefix(256))
        var grouped = [Int32](repeating: 0, count: Int(start[256]))
        for (t, bytes) in tokens.enumerated() {
            guard let b = bytes.first else { continue }
            grouped[Int(next[Int(b)])] = Int32(t)
            next[Int(b)] += 1
        }
        firstByteStart = start
        byFirstByte = grouped
    }

    /// A vocabulary from GGUF-style GPT-2 byte-level token strings (`Ġ` for space and so on);
    /// tokens whose type is not normal (1) or byte (6) get no bytes.
    public convenience init(gpt2Tokens: [String], tokenTypes: [Int]?, eosTokens: [Int]) {
        let bytes: [[UInt8]] = gpt2Tokens.enumerated().map { id, text in
            if let types = tokenTypes, id < types.count, types[id] != 1, types[id] != 6 { return [] }
            return GPT2ByteMap.bytes(ofMappedText: text) ?? []
        }
        self.init(tokens: bytes, eosTokens: eosTokens)
    }

    /// The vocabulary of a loaded `Tokenizer`: each token's raw bytes, special (control and
    /// unknown) tokens none, and the tokenizer's end-of-generation tokens as EOS.
    public convenience init(tokenizer: Tokenizer) {
        let bytes: [[UInt8]] = (0..<tokenizer.vocabularySize).map { id in
            tokenizer.isSpecial(Int32(id)) ? [] : tokenizer.tokenBytes(Int32(id))
        }
        self.init(tokens: bytes, eosTokens: tokenizer.endOfGeneration.sorted().map(Int.init))
    }

    /// Greedy longest-match segmentation of `bytes` into tokens (nil if some byte has no token).
    /// Any segmentation exercises the grammar the same way; the real tokenizer can replace it.
    public func greedyTokens(_ bytes: [UInt8]) -> [Int]? {
        var out: [Int] = []
        var i = 0
        while i < bytes.count {
            var node = 0, j = i
            var best: (end: Int, token: Int)? = nil
            while j < bytes.count, let child = child(of: node, byte: bytes[j]) {
                node = child
                j += 1
                if trie.tokenStart[node] < trie.tokenStart[node + 1] { best = (j, Int(trie.nodeTokens[Int(trie.tokenStart[node])])) }
            }
            guard let best else { return nil }
            out.append(best.token)
            i = best.end
        }
        return out
    }

    func child(of node: Int, byte: UInt8) -> Int? {
        let start = Int(trie.childStart[node]), end = start + Int(trie.childCount[node])
        for k in start..<end where trie.childByte[k] == byte { return TokenTrie.child(k) }
        return nil
    }
}
