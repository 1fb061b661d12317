import Foundation
import SwiftLLM

/// Paths and helpers of the API tests. The tests import only `SwiftLLM`, as an app does; the
/// models come from `LanguageModel.modelsFolder` (scripts/fetch-models.sh fills it).
enum Support {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let shared = (root as NSString).appendingPathComponent("../shared")

    static func modelPath(_ name: String) -> String {
        (LanguageModel.modelsFolder as NSString).appendingPathComponent(name)
    }

    static let smollm2 = "SmolLM2-135M-Instruct.Q4_1.gguf"
    static let gemma3 = "gemma-3-270m-q4_k_m.gguf"

    /// One load per model for the whole test process.
    static func model(_ name: String) async throws -> LanguageModel {
        try await Cache.shared.model(modelPath(name))
    }

    actor Cache {
        static let shared = Cache()
        var models: [String: LanguageModel] = [:]

        func model(_ path: String) async throws -> LanguageModel {
            if let model = models[path] { return model }
            let model = try await LanguageModel.load(path)
            models[path] = model
            return model
        }
    }

    /// llama.cpp's greedy continuation of a reference prompt (`../shared/reference`).
    static func referenceGreedyText(file: String, prompt: String) throws -> String? {
        let text = try String(contentsOfFile: (shared as NSString).appendingPathComponent("reference/\(file)"), encoding: .utf8)
        for line in text.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["prompt"] as? String == prompt, let hex = object["greedy_text_hex"] as? String else { continue }
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
                index = next
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return nil
    }

    /// llama.cpp's greedy tokens for reference prompt `prompt` and its top-1/top-2 logit margin at
    /// each step (`Tests/Reference/*-greedy-topk.jsonl`).
    static func greedyTopK(file: String, prompt: Int) throws -> (greedy: [Int], margins: [Double]) {
        let text = try String(contentsOfFile: (root as NSString).appendingPathComponent("Tests/Reference/\(file)"), encoding: .utf8)
        for line in text.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["prompt"] as? Int == prompt,
                  let greedy = object["greedy"] as? [Int], let topk = object["topk"] as? [[[Double]]] else { continue }
            return (greedy, topk.map { $0.count > 1 ? $0[0][1] - $0[1][1] : .infinity })
        }
        throw SupportError("no prompt \(prompt) in \(file)")
    }

    /// Runs python3 with `arguments`, `input` on stdin; returns stdout and the exit status.
    static func python(_ arguments: [String], input: String = "") throws -> (output: String, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }

    /// Validates each `(schema, instance)` pair with Python's `jsonschema` (Draft 2020-12);
    /// returns the error message of each invalid pair, nil for valid ones.
    static func validate(_ pairs: [(schema: String, instance: String)]) throws -> [String?] {
        let script = """
            import json, sys, jsonschema
            for line in sys.stdin:
                pair = json.loads(line)
                try:
                    jsonschema.validate(json.loads(pair["instance"]), json.loads(pair["schema"]), cls=jsonschema.Draft202012Validator)
                    print(json.dumps(None))
                except Exception as error:
                    print(json.dumps(str(error)[:300]))
            """
        let lines = try pairs.map { pair -> String in
            let data = try JSONSerialization.data(withJSONObject: ["schema": pair.schema, "instance": pair.instance])
            return String(decoding: data, as: UTF8.self)
        }
        let (output, status) = try python(["-c", script], input: lines.joined(separator: "\n") + "\n")
        guard status == 0 else { throw SupportError("python jsonschema failed (status \(status))") }
        return output.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8), options: .fragmentsAllowed)) as? String
        }
    }

    struct SupportError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
