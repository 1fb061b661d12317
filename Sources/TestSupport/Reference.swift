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
            let ids = { (value: JSONValue?) in (value?.arrayValue ?? []).compactMap { $0.intValue.map(Int32.init) } }
            let topK = (json["topk"]?.arrayValue ?? []).map { position in
                (position.arrayValue ?? []).map { entry -> (Int32, Float, Float) in
                    let e = entry.arrayValue ?? []
                    return (Int32(e.first?.intValue ?? -1), Float(e.count > 1 ? e[1].doubleValue ?? .nan : .nan),
                            Float(e.count > 2 ? e[2].doubleValue ?? .nan : .nan))
                }
            }
            return ReferencePrompt(prompt: json["prompt"]?.stringValue ?? "", tokens: ids(json["tokens"]), topK: topK,
                                   greedy: ids(json["greedy"]), greedyTextHex: json["greedy_text_hex"]?.stringValue ?? "")
        }
    }
}
