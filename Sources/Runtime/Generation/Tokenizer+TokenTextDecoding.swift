extension Tokenizer: TokenTextDecoding {
    /// Generated text as llama.cpp prints it: control and unknown tokens produce nothing, every
    /// other token its bytes (no space-prefix stripping in the middle of a generation).
    public func textBytes(of id: Int32) -> [UInt8] {
        isSpecial(id) ? [] : tokenBytes(id)
    }

    public func continuationTokens(_ bytes: [UInt8]) -> [Int32]? { encodeContinuation(bytes) }
}
