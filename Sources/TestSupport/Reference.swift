import Foundation
import Runtime

/// One prompt of a llama.cpp reference file (`../shared/reference/*.jsonl`, `tiny/*.jsonl`).
public struct ReferencePrompt: Sendable {
    public let prompt: String
    public let tokens: [Int32]
    /// For every prompt position, llama.cpp's 10 highest logits as (token, logit, logprob).
    public let topK: [[(token: Int32, logit: Float, logprob: Float)]]
    public let greedy: [Int32]
    public let greedyTextHex: String

    public static func load(_ url: URL) throws -> [ReferencePrompt] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let json = try JSONValue(parsing: String(line))
            return ReferencePrompt(prompt: json["prompt"]?.stringValue ?? "", tokens: tokenIDs(json["tokens"]),
                                   topK: topEntries(json["topk"]), greedy: tokenIDs(json["greedy"]),
                                   greedyTextHex: json["greedy_text_hex"]?.stringValue ?? "")
        }
    }
}

private func tokenIDs(_ value: JSONValue?) -> [Int32] {
    (value?.arrayValue ?? []).compactMap { $0.intValue.map(Int32.init) }
}

/// Per position, `[token, logit, logprob]` entries (the logprob is NaN where a file has none).
private func topEntries(_ value: JSONValue?) -> [[(token: Int32, logit: Float, logprob: Float)]] {
    (value?.arrayValue ?? []).map { position in
        (position.arrayValue ?? []).map { entry in
            let e = entry.arrayValue ?? []
            return (Int32(e.first?.intValue ?? -1), Float(e.count > 1 ? e[1].doubleValue ?? .nan : .nan),
                    Float(e.count > 2 ? e[2].doubleValue ?? .nan : .nan))
        }
    }
}

/// llama.cpp's 10 highest logits at every step of a reference greedy continuation, teacher-forced
/// (`Tests/Reference/*-greedy-topk.jsonl`, written by `scripts/oracles/llamacpp/greedy_topk.py`).
public struct GreedyTopK: Sendable {
    public let greedy: [Int32]
    public let topK: [[(token: Int32, logit: Float)]]

    /// llama.cpp's top-1 minus top-2 logit at `step`: how near a tie its choice was.
    public func margin(_ step: Int) -> Float {
        topK[step].count > 1 ? topK[step][0].logit - topK[step][1].logit : .infinity
    }

    /// The file for a reference named like `smollm2-135m-instruct-q4_1.jsonl`.
    public static func load(reference: String) throws -> [GreedyTopK] {
        let name = reference.replacingOccurrences(of: ".jsonl", with: "-greedy-topk.jsonl")
        let url = TestPaths.repoRoot.appendingPathComponent("Tests/Reference/\(name)")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let json = try JSONValue(parsing: String(line))
            return GreedyTopK(greedy: tokenIDs(json["greedy"]),
                              topK: topEntries(json["topk"]).map { $0.map { ($0.token, $0.logit) } })
        }
    }
}
