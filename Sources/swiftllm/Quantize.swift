import ArgumentParser
import Foundation
import GGUF
import Runtime
import Tensor

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a GGUF model with its weights in another type (llama.cpp's mixes, e.g. Q4_K_M).",
        discussion: """
            Types: \(QuantizationMix.allCases.map(\.rawValue).joined(separator: ", ")). The K mixes follow \
            llama-quantize without an importance matrix: Q4_K_M and Q5_K_M put the output matrix and the \
            attn_v and ffn_down of some layers in Q6_K; rows that are not whole 256-blocks fall back to \
            Q5_0/Q5_1/Q8_0. The quantizers match llama.cpp's block for block. Norms and other 1-D \
            tensors stay as they are; an already quantized input is dequantized first.
            """)

    @Argument(help: "The input GGUF file.")
    var input: String

    @Argument(help: "The output GGUF file (written beside it, then renamed).")
    var output: String

    @Argument(help: "The target type, e.g. Q4_K_M.")
    var type: String

    @Option(help: "Worker threads (default: the physical cores).")
    var threads: Int?

    @Flag(name: .customLong("dry-run"), help: "Print each tensor's type change and the sizes; write nothing.")
    var dryRun = false

    func validate() throws {
        guard QuantizationMix(name: type) != nil else {
            throw ValidationError("unknown type '\(type)'; one of \(QuantizationMix.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        guard let mix = QuantizationMix(name: type) else { return }
        let file: GGUFFile
        do {
            file = try GGUFFile(path: input)
        } catch {
            throw QuantizeCommandError("\(input): \(error)")
        }
        let quantizer = ModelQuantizer(file: file, mix: mix)
        var before = 0, after = 0
        var counts: [String: Int] = [:]
        for step in quantizer.steps {
            let elements = step.shape.reduce(1, *)
            before += step.from.rowBytes(elements: elements) ?? 0
            after += step.to.rowBytes(elements: elements) ?? 0
            counts[step.to.name, default: 0] += 1
            if dryRun { print("\(step.name) \(step.shape) \(step.from.name) -> \(step.to.name)") }
        }
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("\(quantizer.steps.count) tensors (\(summary)); data \(mib(before)) -> \(mib(after))")
        if dryRun { return }
        let pool = threads.map { ThreadPool(threads: $0) } ?? .shared
        let start = ContinuousClock.now
        do {
            try quantizer.write(file, to: output, threads: pool)
        } catch {
            throw QuantizeCommandError("cannot write \(output): \(error)")
        }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        print("wrote \(output) as \(mix.rawValue) in \(String(format: "%.1f", seconds)) s")
    }
}

struct QuantizeCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
