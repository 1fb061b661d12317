// Greedy generation through the library: `EmbeddingDemo MODEL [-n N] [--reload] PROMPT`.
// Prints the continuation on stdout, and the kernel tier and speeds on stderr. `--reload` binds
// the model a second time first (the kernel notice is logged once per process, not per load).
import Foundation
import GGUF
import Runtime
import Tensor

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("EmbeddingDemo: \(message)\n".utf8))
    exit(1)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var maxTokens = 32
if let i = arguments.firstIndex(of: "-n"), i + 1 < arguments.count, let n = Int(arguments[i + 1]) {
    maxTokens = n
    arguments.removeSubrange(i...(i + 1))
}
let reload = arguments.contains("--reload")
arguments.removeAll { $0 == "--reload" }
guard arguments.count == 2 else { fail("usage: EmbeddingDemo MODEL [-n N] [--reload] PROMPT") }

do {
    let file = try GGUFFile(path: arguments[0])
    if reload { _ = try Model(file: file) }
    let model = try Model(file: file)          // logs the kernel notice once, if the build is slow for this CPU
    let tokenizer = try Tokenizer(file: file)
    let session = Session(model: model, decoder: tokenizer, endOfGeneration: tokenizer.endOfGeneration)
    let prompt = tokenizer.encode(arguments[1], addSpecial: true, parseSpecial: true)
    FileHandle.standardError.write(Data("kernels: \(KernelTier.active.rawValue)\n".utf8))
    for try await event in session.generate(prompt: prompt, options: GenerationOptions(maxTokens: maxTokens, sampler: .greedy)) {
        switch event {
        case .text(let piece):
            print(piece, terminator: "")
        case .done(let stats):
            print()
            let line = String(format: "prompt: %d tokens, %.1f tok/s; generated: %d tokens, %.1f tok/s\n",
                              stats.promptTokensEvaluated, stats.promptTokensPerSecond,
                              stats.generatedTokens, stats.generationTokensPerSecond)
            FileHandle.standardError.write(Data(line.utf8))
        default:
            break
        }
    }
} catch {
    fail("\(error)")
}
