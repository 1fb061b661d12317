import Foundation
import GGUF
@testable import Runtime
import TestSupport
import Tensor
import Testing

/// A model file is run exactly or refused (issue 23): the optional tensors llama.cpp's loaders
/// accept are used, checked against llama.cpp's own outputs, and anything else is a named error.
@Suite struct TensorCoverageTests {
    /// Tiny llamas with attention-output/FFN biases + rope_freqs, and with a fused attn_qkv (+ bias),
    /// written by the `gguf` package (`scripts/oracles/make_tiny_bias_models.py`) once per process.
    static let generated: Result<URL, any Error> = Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftllm-tiny-bias-\(UUID())")
        _ = try Python.runOracle("make_tiny_bias_models.py", [folder.path])
        return folder
    }

    static let tiny = TestPaths.shared.appendingPathComponent("reference/tiny")

    /// llama.cpp 0c1e570's outputs (`scripts/oracles/llamacpp/tiny_reference.py`), teacher-forced
    /// like `TinyModelTests`: top-10 logits within the F32 tolerance of the tiny README (0.03), and
    /// the same argmax at greedy steps whose llama.cpp margin exceeds twice that.
    @Test(arguments: ["tiny-llama-bias-f32", "tiny-llama-qkv-f32"])
    func optionalTensorsMatchLlamaCpp(_ name: String) throws {
        let path = try Self.generated.get().appendingPathComponent("\(name).gguf").path
        let model = try Model(file: GGUFFile(path: path))
        let referenceURL = TestPaths.repoRoot.appendingPathComponent("Tests/Reference/\(name).jsonl")
        let prompts = try ReferencePrompt.load(referenceURL)
        let margins = try String(contentsOf: referenceURL, encoding: .utf8).split(separator: "\n").map { line in
            try (JSONValue(parsing: String(line))["greedy_margins"]?.arrayValue ?? []).map { Float($0.doubleValue ?? 0) }
        }
        #expect(prompts.count == 4)
        let tolerance: Float = 0.03
        var worst: Float = 0
        var checked = 0
        for (p, reference) in prompts.enumerated() {
            let logits = try model.forward(reference.tokens + reference.greedy.dropLast(), cache: model.makeCache(), logits: .all)
            let vocab = model.config.vocabularySize
            for (position, top) in reference.topK.enumerated() {
                for entry in top { worst = max(worst, abs(logits[position * vocab + Int(entry.token)] - entry.logit)) }
            }
            for (step, token) in reference.greedy.enumerated() where margins[p][step] > 2 * tolerance {
                let row = (reference.tokens.count - 1 + step) * vocab
                let argmax = (0..<vocab).max { logits[row + $0] < logits[row + $1] } ?? -1
                #expect(Int32(argmax) == token, "\(name) prompt \(p) step \(step)")
                checked += 1
            }
        }
        print("\(name): max top-10 logit Δ \(worst), greedy steps checked \(checked)")
        #expect(worst <= tolerance)
        #expect(checked > 60)
    }

    /// The optional tensors move the logits: the same file without them is refused, and loading
    /// it anyway (`allowUnusedTensors`) gives clearly different logits — the bug the issue reports.
    @Test func biasesMatter() throws {
        let path = try Self.generated.get().appendingPathComponent("tiny-llama-bias-f32.gguf").path
        let file = try GGUFFile(path: path)
        let withBiases = try Model(file: file)
        let tokens: [Int32] = [381, 328, 32, 113, 117, 105, 99, 107]
        let full = try withBiases.forward(tokens, cache: withBiases.makeCache())
        // The same file without its attention-output and FFN biases (still a valid llama file).
        let stripped = try rewrite(file, drop: { $0.hasSuffix("attn_output.bias") || $0.contains("ffn_") && $0.hasSuffix(".bias") })
        let without = try Model(file: stripped)
        let partial = try without.forward(tokens, cache: without.makeCache())
        let diff = zip(full, partial).map { abs($0 - $1) }.max() ?? 0
        #expect(diff > 0.5, "biases changed the logits by only \(diff)")
    }

    @Test func extraTensorIsRefusedByName() throws {
        let qwen3 = try GGUFFile(path: Self.tiny.appendingPathComponent("tiny-qwen3-f32.gguf").path)
        // qwen3 in llama.cpp has no attention-output bias: a file with one is refused, not half-run.
        let file = try rewrite(qwen3, add: [("blk.1.attn_output.bias", [128])])
        #expect(throws: ModelError.unusedTensors(architecture: "qwen3", names: ["blk.1.attn_output.bias"])) {
            try Model(file: file)
        }
        let message = ModelError.unusedTensors(architecture: "qwen3", names: ["blk.1.attn_output.bias"]).description
        #expect(message.contains("'blk.1.attn_output.bias'") && message.contains("qwen3") && message.contains("refused"))
        let loaded = try Model(file: file, allowUnusedTensors: true)
        #expect(loaded.unusedTensors == ["blk.1.attn_output.bias"])

        let llama = try GGUFFile(path: Self.tiny.appendingPathComponent("tiny-llama-f32.gguf").path)
        let unknown = try rewrite(llama, add: [("blk.0.mystery.weight", [128]), ("rope_long.weight", [16])])
        #expect(throws: ModelError.unusedTensors(architecture: "llama", names: ["blk.0.mystery.weight", "rope_long.weight"])) {
            try Model(file: unknown)
        }
    }

    @Test func missingRequiredTensorIsNamed() throws {
        let llama = try GGUFFile(path: Self.tiny.appendingPathComponent("tiny-llama-f32.gguf").path)
        let file = try rewrite(llama, drop: { $0 == "blk.1.ffn_up.weight" })
        #expect(throws: ModelError.missingTensor("blk.1.ffn_up.weight")) { try Model(file: file) }
        #expect(ModelError.missingTensor("blk.1.ffn_up.weight").description.contains("'blk.1.ffn_up.weight'"))
    }

    @Test func wrongShapeIsNamed() throws {
        let llama = try GGUFFile(path: Self.tiny.appendingPathComponent("tiny-llama-f32.gguf").path)
        let file = try rewrite(llama, add: [("blk.2.attn_output.bias", [64])])
        #expect(throws: ModelError.tensorShape(name: "blk.2.attn_output.bias", expected: [128], found: [64])) {
            try Model(file: file)
        }
        let message = ModelError.tensorShape(name: "blk.2.attn_output.bias", expected: [128], found: [64]).description
        #expect(message == "tensor 'blk.2.attn_output.bias' has shape [64], expected [128]")
    }

    /// `file` written again (metadata and tensors copied) without the tensors `drop` selects and
    /// with extra zero-filled F32 tensors.
    private func rewrite(_ file: GGUFFile, drop: (String) -> Bool = { _ in false },
                         add: [(String, [Int])] = []) throws -> GGUFFile {
        var writer = GGUFWriter(version: file.version)
        writer.metadata = file.metadata
        for info in file.tensors where !drop(info.name) {
            try writer.addTensor(name: info.name, shape: info.shape, type: info.type, data: Array(file.data(of: info)))
        }
        for (name, shape) in add {
            try writer.addTensor(name: name, shape: shape, type: .f32, data: [UInt8](repeating: 0, count: 4 * shape.reduce(1, *)))
        }
        return try GGUFFile(bytes: writer.serialized())
    }
}
