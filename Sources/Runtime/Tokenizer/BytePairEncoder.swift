/// Byte-level BPE (`tokenizer.ggml.model = gpt2`): pre-tokenizer split, then per word merges by
/// rank with a priority queue, exactly as llama.cpp's `llm_tokenizer_bpe_session`.
///
/// Works on raw bytes: the vocabulary's GPT-2-mapped texts are turned back into bytes at load,
/// so words are never re-encoded into the mapped alphabet. Symbols are identified by ids; a
/// merge pair whose parts or result is not itself a token gets a pseudo id past the vocabulary,
/// which keeps such (rare) merges working like llama.cpp's text-keyed ranks.
struct BytePairEncoder: Sendable {
    /// What merging a pair produces.
    struct Merge: Sendable {
        let rank: Int32
        let result: Int32
    }

    let preTokenizer: PreTokenizer
    /// Raw bytes → id, for the tokens whose text is entirely in the GPT-2 byte alphabet.
    let words: ByteStringTable
    /// The symbol id of each single byte.
    let byteSymbols: [Int32]
    /// `(left << 32) | right` → merge.
    let merges: [UInt64: Merge]
    let vocabularySize: Int32
    /// `ignore_merges`: a word that is a whole token is emitted as that token.
    let ignoreMerges: Bool
    /// Gemma 4's SentencePiece-style BPE: texts are raw UTF-8 (`▁` for spaces), words start as
    /// UTF-8 characters rather than bytes, a symbol that is no token falls back to `<0xNN>` byte
    /// tokens, and a word of newlines only that is a token is emitted whole.
    let rawText: Bool
    /// Raw mode: symbol ids of merge parts that are not tokens.
    let pseudoSymbols: ByteStringTable
    /// Raw mode: the `<0xNN>` token of each byte.
    let byteTokens: [Int32?]

    init(tokens: TokenTexts, merges mergeTexts: TokenTexts, preTokenizer: PreTokenizer, ignoreMerges: Bool,
         rawText: Bool = false) throws(TokenizerError) {
        self.preTokenizer = preTokenizer
        self.ignoreMerges = ignoreMerges
        self.rawText = rawText
        vocabularySize = Int32(tokens.count)
        func decode(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
            if rawText {
                out.removeAll(keepingCapacity: true)
                out.append(contentsOf: text)
                return true
            }
            return GPT2ByteMap.decode(text, into: &out)
        }
        // Texts are read in place from the file and decoded into reused buffers: no per-token or
        // per-merge strings (this loop is most of the tokenizer's load time).
        var table = ByteStringTable(expectedCount: tokens.count, expectedKeyBytes: tokens.utf8Count)
        var bytes: [UInt8] = [], left: [UInt8] = [], right: [UInt8] = []
        for id in tokens.indices where tokens.withUTF8(id, { decode($0, into: &bytes) }) {
            table.insert(bytes, value: Int32(id))
        }
        var pseudo = ByteStringTable(expectedCount: 64)
        var nextPseudo = Int32(tokens.count)
        func symbol(_ bytes: [UInt8]) -> Int32 {
            if let id = table.lookup(bytes) ?? pseudo.lookup(bytes) { return id }
            pseudo.insert(bytes, value: nextPseudo)
            nextPseudo += 1
            return nextPseudo - 1
        }
        byteSymbols = (0..<256).map { symbol([UInt8($0)]) }
        var ranks: [UInt64: Merge] = [:]
        ranks.reserveCapacity(mergeTexts.count)
        for rank in mergeTexts.indices {
            let parsed = mergeTexts.withUTF8(rank) { line -> Bool in
                // As llama.cpp: the separator is the first space after the first byte.
                guard line.count > 1, let space = line[(line.startIndex + 1)...].firstIndex(of: 0x20) else { return false }
                return decode(UnsafeBufferPointer(rebasing: line[..<space]), into: &left)
                    && decode(UnsafeBufferPointer(rebasing: line[(space + 1)...]), into: &right)
            }
            guard parsed else { throw TokenizerError.invalidMerge(index: rank, text: mergeTexts[rank]) }
            let key = UInt64(UInt32(bitPattern: symbol(left))) << 32 | UInt64(UInt32(bitPattern: symbol(right)))
            if ranks[key] == nil {
                bytes.removeAll(keepingCapacity: true)
                bytes.append(contentsOf: left)
                bytes.append(contentsOf: right)
                ranks[key] = Merge(rank: Int32(rank), result: symbol(bytes))
            }
        }
        merges = ranks
        words = table
        pseudoSymbols = pseudo
        byteTokens = table.byteTokenIDs()
    }

    /// Raw mode: the symbol of one UTF-8 character (a token, a merge part, or unknown: -1).
    private func characterSymbol(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let raw = UnsafeRawBufferPointer(bytes)
        return words.lookup(raw) ?? pseudoSymbols.lookup(raw) ?? -1
    }

    /// Bytes of the UTF-8 character whose lead byte is `lead` (1 for a stray continuation byte).
    private static func characterLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...0xFF: 4
        case 0xE0...0xEF: 3
        case 0xC0...0xDF: 2
        default: 1
        }
    }

    private struct Symbol {
        var start: Int32
        var length: Int32
        var id: Int32
        var previous: Int32
        var next: Int32
    }

    /// A candidate merge of two adjacent symbols; lower rank first, then leftmost.
    private struct Bigram: Comparable {
        let rank: Int32
        let left: Int32
        let right: Int32
        let length: Int32
        let result: Int32

        static func < (a: Bigram, b: Bigram) -> Bool {
            a.rank < b.rank || (a.rank == b.rank && a.left < b.left)
        }
    }

    /// Appends the tokens of one raw-text fragment.
    func encode(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Int32]) {
        var symbols: [Symbol] = []
        var queue = BinaryHeap<Bigram>()
        for word in preTokenizer.split(text) {
            let wordBytes = UnsafeBufferPointer(rebasing: text[word])
            if ignoreMerges, let id = words.lookup(UnsafeRawBufferPointer(wordBytes)) {
                output.append(id)
                continue
            }
            if rawText, wordBytes.allSatisfy({ $0 == 0x0A }), let id = words.lookup(UnsafeRawBufferPointer(wordBytes)) {
                output.append(id)
                continue
            }
            symbols.removeAll(keepingCapacity: true)
            queue.removeAll()
            if rawText {
                var offset = 0
                while offset < wordBytes.count {
                    let length = min(Self.characterLength(wordBytes[offset]), wordBytes.count - offset)
                    let index = Int32(symbols.count)
                    symbols.append(Symbol(start: Int32(offset), length: Int32(length),
                                          id: characterSymbol(UnsafeBufferPointer(rebasing: wordBytes[offset..<offset + length])),
                                          previous: index - 1, next: offset + length == wordBytes.count ? -1 : index + 1))
                    offset += length
                }
            } else {
                for i in 0..<Int32(wordBytes.count) {
                    symbols.append(Symbol(start: i, length: 1, id: byteSymbols[Int(wordBytes[Int(i)])],
                                          previous: i - 1, next: Int(i) + 1 == wordBytes.count ? -1 : i + 1))
                }
            }
            let count = Int32(symbols.count)
            for i in 1..<max(Int(count), 1) { addBigram(Int32(i - 1), Int32(i), symbols, &queue) }
            while let bigram = queue.pop() {
                let left = Int(bigram.left)
                let right = Int(bigram.right)
                // Stale when either side has merged since: a symbol only ever grows, and only by
                // absorbing its right neighbour, so unchanged lengths mean an unchanged pair.
                guard symbols[left].length > 0, symbols[right].length > 0,
                      symbols[left].length + symbols[right].length == bigram.length,
                      symbols[left].next == bigram.right else { continue }
                symbols[left].length = bigram.length
                symbols[left].id = bigram.result
                symbols[right].length = 0
                symbols[left].next = symbols[right].next
                if symbols[right].next >= 0 { symbols[Int(symbols[right].next)].previous = bigram.left }
                addBigram(symbols[left].previous, bigram.left, symbols, &queue)
                addBigram(bigram.left, symbols[left].next, symbols, &queue)
            }
            var index: Int32 = count > 0 ? 0 : -1
            while index >= 0 {
                let symbol = symbols[Int(index)]
                if symbol.id >= 0 && symbol.id < vocabularySize {
                    output.append(symbol.id)
                } else if rawText {
                    for byte in wordBytes[Int(symbol.start)..<Int(symbol.start + symbol.length)] {
                        if let id = byteTokens[Int(byte)] { output.append(id) }
                    }
                } else {
                    appendUnknownSymbol(UnsafeBufferPointer(rebasing: wordBytes[Int(symbol.start)..<Int(symbol.start + symbol.length)]), &output)
                }
                index = symbol.next
            }
        }
    }

    private func addBigram(_ left: Int32, _ right: Int32, _ symbols: [Symbol], _ queue: inout BinaryHeap<Bigram>) {
        guard left >= 0, right >= 0 else { return }
        let a = symbols[Int(left)]
        let b = symbols[Int(right)]
        let key = UInt64(UInt32(bitPattern: a.id)) << 32 | UInt64(UInt32(bitPattern: b.id))
        guard let merge = merges[key] else { return }
        queue.push(Bigram(rank: merge.rank, left: left, right: right, length: a.length + b.length, result: merge.result))
    }

    /// A symbol that is not a token: llama.cpp emits the token of each byte whose mapped text is a
    /// single UTF-8 byte (printable ASCII) and drops the others.
    private func appendUnknownSymbol(_ bytes: UnsafeBufferPointer<UInt8>, _ output: inout [Int32]) {
        for byte in bytes where (0x21...0x7E).contains(byte) {
            let id = byteSymbols[Int(byte)]
            if id < vocabularySize { output.append(id) }
        }
    }
}
