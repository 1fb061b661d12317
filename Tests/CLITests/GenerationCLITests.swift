import Foundation
import GGUF
import Runtime
import TestSupport
import Testing

/// `swiftllm run`, `perplexity` and `tokenize` end to end against llama.cpp's reference figures.
@Suite(.serialized) struct GenerationCLITests {
    static func requireModels() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        try #require(FileManager.default.fileExists(atPath: TestPaths.gemma3.path), "run scripts/fetch-models.sh")
    }

    static func reference(_ name: String) throws -> [ReferencePrompt] {
        try ReferencePrompt.load(TestPaths.shared.appendingPathComponent("reference/\(name)"))
    }

    @Test func greedyRunPrintsLlamaCppText() throws {
        try Self.requireModels()
        let first = try Self.reference("smollm2-135m-instruct-q4_1.jsonl")[0]
        let result = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "--temp", "0", "--raw", "-n", "48", first.prompt])
        #expect(result.status == 0, "\(result.stderr)")
        // The settled fidelity rule: our greedy text may leave llama.cpp's only at a step where
        // llama.cpp's own top-1/top-2 margin is at most 0.4. Prompt 0's first such step is step 5
        // (margin 0.26; step 14 is a 0.005 near-tie): up to there the text must be llama.cpp's.
        // (With the AVX-512 kernels all 48 tokens match; the portable kernels leave at step 14.)
        let margins = try GreedyTopK.load(reference: "smollm2-135m-instruct-q4_1.jsonl")[0]
        let decisive = (0..<first.greedy.count).first { margins.margin($0) <= 0.4 } ?? first.greedy.count
        #expect(decisive >= 5)
        let tokenizer = try Tokenizer(file: GGUFFile(path: TestPaths.smolLM2.path))
        let prefix = first.greedy.prefix(decisive).flatMap { tokenizer.textBytes(of: $0) }
        #expect(result.stdout.starts(with: prefix), "got: \(result.text)")
        let expected = Data(hexString: first.greedyTextHex)
        if result.stdout != expected { print("greedy text leaves llama.cpp's after the first near-tie: \(result.text)") }
        #expect(result.stderr.contains("generated: 48 tokens"))
        #expect(result.stderr.contains("first token after"))
    }

    @Test func promptFromFileAndStdin() throws {
        try Self.requireModels()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-prompt-\(UUID()).txt")
        try Data("The capital of France is".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "--temp", "0", "--raw", "-n", "8", "-f", file.path])
        let fromStdin = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "--temp", "0", "--raw", "-n", "8"],
                                    stdin: Data("The capital of France is".utf8))
        #expect(fromFile.status == 0 && fromStdin.status == 0)
        #expect(fromFile.text.hasPrefix(" Paris."))
        #expect(fromFile.stdout == fromStdin.stdout)
    }

    @Test(arguments: [TestPaths.smolLM2, TestPaths.gemma3])
    func chatWrappingEqualsTheRenderedTemplate(_ model: URL) throws {
        // Without --raw the prompt goes through the chat template: the same as rendering it with
        // `template render` and running that text raw.
        try Self.requireModels()
        let messages = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-messages-\(UUID()).json")
        try Data(#"[{"role": "user", "content": "What is the capital of France?"}]"#.utf8).write(to: messages)
        defer { try? FileManager.default.removeItem(at: messages) }
        let rendered = try CLI.run(["template", "render", "-m", model.path, "--messages", messages.path])
        #expect(rendered.status == 0, "\(rendered.stderr)")
        let templated = try CLI.run(["run", "-m", model.path, "--temp", "0", "-n", "12", "What is the capital of France?"])
        let raw = try CLI.run(["run", "-m", model.path, "--temp", "0", "-n", "12", "--raw", rendered.text])
        #expect(templated.status == 0 && raw.status == 0)
        #expect(!templated.stdout.isEmpty)
        #expect(templated.stdout == raw.stdout)
        #expect(templated.stderr.contains("generated: 12 tokens"))
    }

    @Test func missingModelFailsClearly() throws {
        let result = try CLI.run(["run", "-m", "/nonexistent/model.gguf", "hello"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot open /nonexistent/model.gguf"))
    }

    @Test(arguments: [(TestPaths.smolLM2, 18.3914), (TestPaths.gemma3, 13.9062)])
    func perplexityMatchesLlamaCpp(_ model: URL, _ expected: Double) throws {
        try Self.requireModels()
        let result = try CLI.run(["perplexity", "-m", model.path, "-f", "/usr/share/common-licenses/GPL-3", "-c", "512"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.text.split(separator: "\n").last(where: { $0.hasPrefix("PPL = ") }))
        let value = try #require(Double(line.dropFirst(6).split(separator: " ")[0]))
        print("\(model.lastPathComponent): PPL \(value) (llama.cpp \(expected))")
        #expect(abs(value - expected) / expected < 0.01, "\(line)")
        #expect(result.stderr.contains("[14/14]"))
    }

    @Test func tokenizeMatchesReferenceIds() throws {
        try Self.requireModels()
        let prompt = try Self.reference("gemma-3-270m-q4_k_m.jsonl")[1]
        let result = try CLI.run(["tokenize", "-m", TestPaths.gemma3.path, "--ids", prompt.prompt])
        #expect(result.status == 0, "\(result.stderr)")
        let ids = result.text.split(whereSeparator: { !"-0123456789".contains($0) }).compactMap { Int32($0) }
        #expect(ids == prompt.tokens)
    }
}

extension Data {
    init(hexString: String) {
        var bytes: [UInt8] = []
        var index = hexString.startIndex
        while index < hexString.endIndex, let next = hexString.index(index, offsetBy: 2, limitedBy: hexString.endIndex) {
            if let byte = UInt8(hexString[index..<next], radix: 16) { bytes.append(byte) }
            index = next
        }
        self.init(bytes)
    }
}

/// `--logit-bias`: banning llama.cpp's greedy choice makes its second choice ours.
@Suite struct LogitBiasCLITests {
    @Test func banningTheTopTokenPicksLlamaCppsSecond() throws {
        try #require(FileManager.default.fileExists(atPath: TestPaths.smolLM2.path), "run scripts/fetch-models.sh")
        let first = try ReferencePrompt.load(TestPaths.shared.appendingPathComponent("reference/smollm2-135m-instruct-q4_1.jsonl"))[0]
        let last = try #require(first.topK.last)
        let (top, second) = (last[0].token, last[1].token)
        // The token bytes from the Python gguf package's reading of the vocabulary.
        let vocab = String(decoding: try Python.runOracle("vocab_bytes.py", [TestPaths.smolLM2.path]), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false)
        let secondBytes = Data(hexString: String(vocab[Int(second) + 1]))
        let banned = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "--temp", "0", "--raw", "-n", "1",
                                  "--logit-bias", "\(top)-inf", first.prompt])
        #expect(banned.status == 0, "\(banned.stderr)")
        #expect(banned.stdout == secondBytes, "got \(banned.text)")
        let boosted = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "--temp", "0", "--raw", "-n", "1",
                                   "-l", "\(second)+5", first.prompt])
        #expect(boosted.stdout == secondBytes, "got \(boosted.text)")
        for bad in ["abc", "12", "-3+1", "49152+1"] {
            let result = try CLI.run(["run", "-m", TestPaths.smolLM2.path, "-n", "1", "--logit-bias", bad, "x"])
            #expect(result.status != 0 && result.stderr.contains("--logit-bias"), "\(bad): \(result.stderr)")
        }
    }
}
