import Agent
import ArgumentParser
import Foundation
import GGUF
import Runtime
import Tensor

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a task as an agent: the local model calls tools until it can answer.",
        discussion: """
            Each step is generated under a grammar, so every tool call parses and validates against \
            its tool's JSON Schema. Tools come from --builtin (calculator, clock, files: read_file, \
            list_dir and search_files confined to --root), from MCP servers started with --mcp \
            "CMD ARGS...", and from --tools FILE.json (OpenAI-style definitions: a call to one of these \
            ends the run with reason tool_calls, for the caller to run). --tool-choice applies to the \
            first step; later steps use auto. With --json, every event is one JSON object per line. \
            With a remote OpenAI-compatible model (--remote URL --remote-model NAME, key from \
            $OPENAI_API_KEY or --remote-key-env), --policy decides which steps it takes: confidence \
            (the local step's log-probability below --threshold), errors (--max-failures failed calls, or \
            a repeated call), tool (the local model calls escalate), always, never, random (--rate). \
            --mode handoff lets the remote finish the task. --trace FILE writes one JSON line per step; \
            the escalated steps, with the local try beside the remote's answer, are fine-tuning data.
            """)

    @OptionGroup var local: LocalModelOptions

    @Option(help: "OpenAI-style tool definitions (a JSON array).")
    var tools: String?

    @Option(help: "Built-in tools, comma-separated: calculator, clock, files.")
    var builtin: String?

    @Option(help: "The folder the file tools are confined to.")
    var root: String?

    @Option(help: "Start an MCP server over stdio and use its tools (\"CMD ARGS...\"; repeatable).")
    var mcp: [String] = []

    @Option(name: .customLong("tool-choice"), help: "auto, required, none, or a tool name.")
    var toolChoice = "auto"

    @Option(name: .customLong("max-steps"), help: "Most steps before the run gives up.")
    var maxSteps = 8

    @Option(name: .customLong("tool-timeout"), help: "Seconds each tool call may take.")
    var toolTimeout: Double = 30

    @Option(name: .customLong("max-tokens"), help: "Most tokens one step may generate.")
    var maxTokens = 384

    @Option(help: "A system message.")
    var system: String?

    @Option(help: "Context size in tokens (default: 4096 or the model's, whichever is smaller).")
    var ctx: Int?

    @Flag(help: "One JSON object per event, one per line.")
    var json = false

    @OptionGroup(title: "Remote escalation") var escalation: EscalationOptions

    @Argument(help: "The task.")
    var task: String

    func validate() throws {
        if maxSteps < 1 { throw ValidationError("--max-steps must be at least 1") }
        if toolTimeout <= 0 { throw ValidationError("--tool-timeout must be positive") }
    }

    func run() async throws {
        var registry = try ToolRegistry()
        do {
            if let builtin {
                for tool in try BuiltinTools.make(names: builtin.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }, root: root) {
                    try registry.register(tool)
                }
            }
            if let tools {
                for definition in try ToolDefinition.load(path: tools) { try registry.register(DeclaredTool(definition)) }
            }
        } catch {
            throw CLIError("\(error)")
        }
        let policy = try escalation.makePolicy()
        if policy?.rule == .tool {
            do { try registry.register(EscalateTool()) } catch { throw CLIError("\(error)") }
        }
        let trace = try escalation.makeTrace()
        var servers: [MCPServer] = []
        defer { Self.shutdown(servers) }
        for command in mcp {
            do {
                let server = try await MCPServer.start(commandLine: command)
                servers.append(server)
                for tool in await server.tools { try registry.register(tool) }
            } catch {
                throw CLIError("--mcp \(command): \(error)")
            }
        }
        var configuration = LocalModel.Configuration()
        configuration.maxTokensPerStep = maxTokens
        let localModel = try local.load(configuration, ctx: ctx)
        var options = Agent.Options()
        options.toolChoice = ToolChoice(toolChoice)
        options.maxSteps = maxSteps
        options.toolTimeout = .milliseconds(Int(toolTimeout * 1000))
        let agent = Agent(local: localModel, tools: registry, policy: policy ?? KeepLocalPolicy(), options: options)
        var printer = AgentEventPrinter(json: json)
        printer.ledger = escalation.ledger
        printer.showAccounting = policy != nil
        var outcome: AgentResult?
        for try await event in agent.run(task: task, system: system) {
            printer.print(event)
            if case .stepFinished(let record) = event, let ledger = printer.ledger { trace?.write(record, ledger: ledger) }
            if case .finished(let result) = event { outcome = result }
        }
        if let outcome, outcome.reason != .answered && outcome.reason != .toolCallsPending { throw ExitCode(2) }
    }

    private static func shutdown(_ servers: [MCPServer]) {
        guard !servers.isEmpty else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            for server in servers { await server.shutdown() }
            done.signal()
        }
        done.wait()
    }
}
