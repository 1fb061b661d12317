import ArgumentParser
import Foundation
import GGUF
import Runtime
import Server
import Tensor

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a model over OpenAI's HTTP API (chat completions, completions, models).",
        discussion: """
            Up to --parallel requests decode together (continuous batching: one forward step takes the \
            next token of every running request); more wait in a queue of --max-queue, and past that \
            the server answers 429. With tool_choice "required" or a named function the reply is a \
            valid call of the tool's schema, every time. GET /health, GET /metrics (Prometheus). \
            Ctrl-C or SIGTERM stops it.
            """)

    @Option(name: .shortAndLong, help: "The GGUF model (default: SmolLM2-135M-Instruct in the models folder).")
    var model: String?

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "Requests decoded together (each has its own KV cache of --ctx tokens).")
    var parallel = 4

    @Option(help: "Context tokens per request (default: the model's, at most 8192).")
    var ctx: Int?

    @Option(name: .customLong("api-key"), help: "Require 'Authorization: Bearer KEY' on /v1 routes.")
    var apiKey: String?

    @Option(name: .customLong("max-queue"), help: "Requests that may wait for a free slot.")
    var maxQueue = 64

    @Option(help: "Most seconds one request may run.")
    var timeout: Double = 600

    @OptionGroup var compute: BackendOptions

    @Option(name: .shortAndLong, help: "Threads for the kernels (default: all cores).")
    var threads: Int?

    @Option(help: "KV cache precision: f16 (as llama.cpp's default and `run`) or f32.")
    var kv = "f16"

    @Option(name: .customLong("jump-forward"),
            help: "Under a grammar (tool calls, json_schema), what to do with the text it forces: checked (draft its tokens and check them in the decode step; the output is unchanged), appended (take them unchecked), off.")
    var jumpForward: JumpForward = .checked

    @Option(help: "Prompt lookup: draft up to N tokens per step from earlier context, checked in the decode step (0: off).")
    var lookup = 0

    func validate() throws {
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        if let ctx, ctx < 16 { throw ValidationError("--ctx must be at least 16") }
        _ = try KVCache.Precision.option(kv)
        if lookup < 0 { throw ValidationError("--lookup must be at least 0") }
    }

    func run() async throws {
        let path = try ModelPath.resolve(model)
        let service: CompletionService
        do {
            let file = try GGUFFile(path: path)
            let configuration = BatchEngine.Configuration(slots: parallel, contextLength: ctx, maxQueue: maxQueue,
                                                          kvPrecision: try KVCache.Precision.option(kv),
                                                          speculation: SpeculationOptions(jumpForward: jumpForward, lookup: lookup))
            service = try CompletionService(file: file, name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                                            configuration: configuration, backend: compute.computeBackend,
                                            pool: threads.map { ThreadPool(threads: $0) } ?? .shared)
        } catch {
            throw CLIError("\(path): \(error)")
        }
        var configuration = OpenAIServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.apiKey = apiKey ?? ProcessInfo.processInfo.environment["SWIFTLLM_API_KEY"]
        configuration.timeout = timeout
        let host = self.host, parallel = self.parallel, context = service.engine.contextLength
        try await OpenAIServer(service: service, configuration: configuration).run { port in
            let line = "swiftllm serve: \(service.modelName) on http://\(host):\(port)/v1 "
                + "(\(parallel) parallel, \(context) context tokens each)\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}
