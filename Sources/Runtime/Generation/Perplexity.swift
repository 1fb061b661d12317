import Foundation
import Tensor

/// Perplexity the way llama.cpp's `perplexity` tool measures it: the text is cut into consecutive
/// chunks of `contextLength` tokens, each evaluated from an empty cache (its first token replaced by
/// BOS when the model adds one), and only the second half of each chunk is scored, so every scored
/// token has at least half a context of history.
public struct PerplexityResult: Sendable {
    public var chunks: Int
    public var scoredTokens: Int
    /// Mean negative log-likelihood per scored token.
    public var meanNLL: Double
    public var perplexity: Double { exp(meanNLL) }
    /// llama.cpp's uncertainty estimate: standard error of the mean NLL, scaled by the perplexity.
    public var uncertainty: Double
}

public enum PerplexityEvaluator {
    /// - Parameters:
    ///   - tokens: the whole text, tokenized with the model's BOS rule (as llama.cpp does).
    ///   - bos: the BOS token to put first in each chunk, or nil when the model adds none.
    ///   - progress: called after each chunk with (chunk index, chunk count, running perplexity).
    public static func evaluate(model: Model, tokens: [Int32], contextLength: Int, bos: Int32?, batchSize: Int = 512,
                                pool: ThreadPool = .shared,
                                progress: (Int, Int, Double) -> Void = { _, _, _ in }) throws -> PerplexityResult {
        let chunkCount = tokens.count / contextLength
        guard chunkCount > 0 else {
            throw PerplexityError.textTooShort(tokens: tokens.count, needed: contextLength)
        }
        let first = contextLength / 2
        let vocab = model.config.vocabularySize
        var nll = 0.0
        var nll2 = 0.0
        var count = 0
        for chunk in 0..<chunkCount {
            var input = Array(tokens[(chunk * contextLength)..<((chunk + 1) * contextLength)])
            if let bos { input[0] = bos }
            let cache = model.makeCache(contextLength: contextLength, pool: pool)
            var logits: [Float] = []
            logits.reserveCapacity(contextLength * vocab)
            var offset = 0
            while offset < contextLength {
                let end = min(offset + batchSize, contextLength)
                logits += try model.forward(Array(input[offset..<end]), cache: cache, logits: .all)
                offset = end
            }
            for position in first..<(contextLength - 1) {
                let target = Int(tokens[chunk * contextLength + position + 1])
                let value = -logSoftmax(logits, row: position, width: vocab, at: target)
                nll += value
                nll2 += value * value
                count += 1
            }
            progress(chunk, chunkCount, exp(nll / Double(count)))
        }
        let mean = nll / Double(count)
        let variance = nll2 / Double(count) - mean * mean
        let uncertainty = count > 1 && variance > 0 ? (variance / Double(count - 1)).squareRoot() * exp(mean) : 0
        return PerplexityResult(chunks: chunkCount, scoredTokens: count, meanNLL: mean, uncertainty: uncertainty)
    }

    /// log softmax(row)[index] in double precision.
    static func logSoftmax(_ logits: [Float], row: Int, width: Int, at index: Int) -> Double {
        let base = row * width
        let (maxLogit, logSum) = logits.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { Ops.logSumExp($0 + base, n: width) } ?? (-.infinity, 0)
        }
        return Double(logits[base + index] - maxLogit) - logSum
    }
}

public enum PerplexityError: Error, CustomStringConvertible {
    case textTooShort(tokens: Int, needed: Int)

    public var description: String {
        switch self {
        case .textTooShort(let tokens, let needed):
            "the text has \(tokens) tokens, fewer than one context of \(needed); use a longer text or a smaller -c"
        }
    }
}
