/// SentencePiece BPE (`tokenizer.ggml.model = llama`, also Gemma): start from UTF-8 characters,
/// repeatedly merge the adjacent pair whose concatenation is the highest-scoring token, then fall
/// back to `<0xNN>` byte tokens for characters the vocabulary lacks — llama.cpp's
/// `llm_tokenizer_spm_session`.
struct SentencePieceEncoder: Sendable {
    /// Token text bytes (with `▁` for spaces) → id.
    let pieces: ByteStringTable
    let scores: [Float]
    /// The token for each byte when a character has no token of its own.
    let byteFallback: [Int32?]
    let unknown: Int32?

    private struct Symbol {
        var start: Int32
        var length: Int32
        var previous: Int32
        var next: Int32
    }

    /// A candidate merge; higher score first, then leftmost.
    private struct Bigram: Comparable {
        let score: Float
        let left: Int32
        let right: Int32
        let length: Int32

        static func < (a: Bigram, b: Bigram) -> Bool {
            a.score > b.score || (a.score == b.score && a.left < b.left)
        }
    }

    /// Appends the tokens of `text`, which already has spaces escaped as `▁`.
    func encode(_ text: UnsafeBufferPointer<UInt8>, into output: inout [Int32]) {
        var symbols: [Symbol] = []
        symbols.reserveCapacity(text.count)
        var offset = 0
        while offset < text.count {
            let lead = text[offset]
            let width = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            let length = min(width, text.count - offset)
            let index = Int32(symbols.count)
            symbols.append(Symbol(start: Int32(offset), length: Int32(length), previous: index - 1,
                                  next: offset + length == text.count ? -1 : index + 1))
            offset += length
        }
        var queue = BinaryHeap<Bigram>()
        for i in 1..<max(symbols.count, 1) { addBigram(Int32(i - 1), Int32(i), symbols, text, &queue) }
        while let bigram = queue.pop() {
            let left = Int(bigram.left)
            let right = Int(bigram.right)
            guard symbols[left].length > 0, symbols[right].length > 0,
                  symbols[left].length + symbols[right].length == bigram.length else { continue }
            symbols[left].length = bigram.length
            symbols[right].length = 0
            symbols[left].next = symbols[right].next
            if symbols[right].next >= 0 { symbols[Int(symbols[right].next)].previous = bigram.left }
            addBigram(symbols[left].previous, bigram.left, symbols, text, &queue)
            addBigram(bigram.left, symbols[left].next, symbols, text, &queue)
        }
        var index: Int32 = symbols.isEmpty ? -1 : 0
        while index >= 0 {
            let symbol = symbols[Int(index)]
            let bytes = UnsafeBufferPointer(rebasing: text[Int(symbol.start)..<Int(symbol.start + symbol.length)])
            if let id = pieces.lookup(UnsafeRawBufferPointer(bytes)) {
                output.append(id)
            } else {
                for byte in bytes {
                    if let id = byteFallback[Int(byte)] ?? unknown { output.append(id) }
                }
            }
            index = symbol.next
        }
    }

    private func addBigram(_ left: Int32, _ right: Int32, _ symbols: [Symbol], _ text: UnsafeBufferPointer<UInt8>,
                           _ queue: inout BinaryHeap<Bigram>) {
        guard left >= 0, right >= 0 else { return }
        let start = Int(symbols[Int(left)].start)
        let length = symbols[Int(left)].length + symbols[Int(right)].length
        let joined = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(text)[start..<start + Int(length)])
        guard let id = pieces.lookup(joined), Int(id) < scores.count else { return }
        queue.push(Bigram(score: scores[Int(id)], left: left, right: right, length: length))
    }
}
