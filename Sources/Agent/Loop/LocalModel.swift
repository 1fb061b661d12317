import Foundation
import GGUF
import Runtime
import Tensor

/// The local engine as a step taker: renders the conversation with the model's chat template and
/// the tools, and generates the reply under the grammar of the tool choice (`ToolCallGrammar`), so
/// every call it writes parses and validates against its tool's schema. One session (KV cache) is
/// kept across steps, so each step only evaluates what is new.
public final class LocalModel: StepTaker {
    public struct Configuration: Sendable {
        /// The tool-call syntax; nil uses the one the chat template implies.
        public var format: ToolCallFormat?
        /// Most tokens one step may generate.
        public var maxTokensPerStep = 384
        /// Sampling of the first try of a step (greedy by default).
        public var sampler = SamplerConfig.greedy
        /// Sampling of retries (a greedy retry would repeat the first try).
        public var retrySampler: SamplerConfig = {
            var config = SamplerConfig()
            config.temperature = 0.7
            return config
        }()
        /// Blanks the grammar allows inside call JSON: one at each place JSON allows one, so the
        /// model can write `{"name": "f", "arguments": {"x": 4}}` as it was trained to. Compact JSON
        /// measured 32 % against 41 % on the first 63 BFCL simple_python questions (SmolLM2), and
        /// in SmolLM2's own call syntax two blanks 53 % against 51 % for one on the first 100 (no
        /// gain beyond two); a bounded run, so it cannot loop on whitespace.
        public var whitespace = JSONSchemaCompiler.Whitespace.flexible(maxRun: 2)
        /// Let the grammar write only the required arguments of each tool (optional ones the model
        /// would fill in with guesses are left to their defaults).
        public var requiredArgumentsOnly = false
        /// Let number and integer arguments take only the numbers written in the user's messages
        /// (when there are any): small models copy a number from the task more reliably when
        /// nothing else is allowed. Off by default — a derived value (a sum, a unit conversion)
        /// would be impossible.
        public var numbersFromMessages = false
        /// Let plain string arguments (no enum, pattern, format or length) take only text copied
        /// from the user's messages. Off by default: a string the model must compose (a query, a
        /// path, a date in another format) would be impossible.
        public var stringsFromMessages = false
        /// When a call is required and several tools are offered, pick the tool whose name the
        /// model finds most likely as a whole (each name teacher-forced after the call's opening
        /// text) and generate only its call, instead of choosing the name token by token.
        public var chooseToolByLikelihood = false
        /// When a call is required, several tools are offered and the step answers a user message,
        /// call the tool `ToolRouter` finds the message is about (when one stands out), instead of
        /// letting the model choose. BFCL `multiple` (SmolLM2, `--copy-strings`): 35.5 → 48.0 %.
        public var routeByWords = true
        /// Narrow each tool's parameters by the allowed values the user's messages name, and make
        /// those parameters (and optional booleans whose name the messages spell out) required
        /// (`ArgumentEvidence`). Only the grammar sees the narrowed schema; the prompt shows the
        /// tools as given.
        public var namedValues = true
        /// Drafting several tokens per step (`SpeculationOptions`): jump-forward over the text the
        /// call grammar forces, and prompt lookup, which copies argument values from the question.
        /// The calls are the same with it off (see README "Speculative decoding" for figures).
        public var speculation = SpeculationOptions(jumpForward: .checked, lookup: 8)
        /// Most calls in one step when parallel calls are allowed.
        public var maxCallsPerStep = 4
        /// Sampling of a second try when a step runs into `maxTokensPerStep` inside its reply (a
        /// string or a list that repeats itself under greedy decoding); nil: no second try.
        public var runawaySampler: SamplerConfig? = {
            var config = SamplerConfig.greedy
            config.repeatPenalty = 1.3
            return config
        }()
        public var contextLength: Int?
        /// KV cache element type. F32 by default: a small model's cache is small, and where the
        /// x86 F16 kernels are not built (no AVX-512) F32 attention made agent steps 2.2× faster
        /// (BFCL question: 2.3 → 1.04 s on a 2-core AVX2 EPYC).
        public var kvPrecision = KVCache.Precision.f32

        public init() {}
    }

    public let name = "local"
    public let model: Model
    public let tokenizer: Tokenizer
    public let chat: ChatTemplate.ModelFormat
    public let vocabulary: TokenVocabulary
    public let configuration: Configuration
    let session: Session
    private let grammars = GrammarCache()

    /// `backend: .vulkan(device:)` runs the forward passes on a Vulkan device.
    public convenience init(file: GGUFFile, configuration: Configuration = Configuration(), pool: ThreadPool = .shared,
                            backend: ComputeBackend = .cpu) throws {
        let tokenizer = try Tokenizer(file: file)
        self.init(model: try Model(file: file, backend: backend), tokenizer: tokenizer, chat: try ChatTemplate.ModelFormat(metadata: file.metadata),
                  vocabulary: TokenVocabulary(tokenizer: tokenizer), configuration: configuration, pool: pool)
    }

    /// A step taker over a model already loaded (its own KV cache, the weights shared).
    public init(model: Model, tokenizer: Tokenizer, chat: ChatTemplate.ModelFormat, vocabulary: TokenVocabulary,
                configuration: Configuration = Configuration(), pool: ThreadPool = .shared) {
        self.model = model
        self.tokenizer = tokenizer
        self.chat = chat
        self.vocabulary = vocabulary
        self.configuration = configuration
        session = Session(model: model, cache: model.makeCache(contextLength: configuration.contextLength, precision: configuration.kvPrecision, pool: pool),
                          decoder: tokenizer, endOfGeneration: tokenizer.endOfGeneration)
    }

    /// The tool-call syntax in use.
    public var format: ToolCallFormat { configuration.format ?? chat.toolCallFormat }

    public func takeStep(_ request: StepRequest) async throws -> ProposedStep {
        var sampler = request.attempt == 0 ? configuration.sampler : configuration.retrySampler
        if request.attempt > 0 { sampler.seed = UInt64(request.attempt) &* 0x9E37_79B9 &+ UInt64(request.step) }
        let first = try await takeStep(request, sampler: sampler)
        // Only replies under a call grammar run away inside a value; long free text is just long.
        guard first.truncated, !request.tools.isEmpty, request.toolChoice != .none,
              let runaway = configuration.runawaySampler else { return first }
        let second = try await takeStep(request, sampler: runaway)
        var kept = second.truncated ? first : second
        kept.promptTokens = first.promptTokens + second.promptTokens
        kept.generatedTokens = first.generatedTokens + second.generatedTokens
        kept.seconds = first.seconds + second.seconds
        kept.decodeSteps = first.decodeSteps + second.decodeSteps
        kept.decodeSeconds = first.decodeSeconds + second.decodeSeconds
        return kept
    }

    /// A step with the given sampling (seeded sampling for reproducible runs).
    public func takeStep(_ request: StepRequest, sampler: SamplerConfig) async throws -> ProposedStep {
        let started = ContinuousClock.now
        let tools = request.toolChoice == .none ? [] : request.tools.map(\.openAIObject)
        let prompt = try promptTokens(request.messages, tools: tools)
        var options = GenerationOptions(maxTokens: configuration.maxTokensPerStep, sampler: sampler, recordTokens: true)
        options.speculation = configuration.speculation
        var choice = request.tools.isEmpty ? ToolChoice.none : request.toolChoice
        if configuration.chooseToolByLikelihood, choice == .required, request.tools.count > 1, format.family != .mistralArgs {
            choice = .function(try await likeliestTool(request.tools, after: prompt))
        } else if configuration.routeByWords, choice == .required, request.tools.count > 1,
                  let last = request.messages.last, last["role"] == "user", let text = last["content"]?.stringValue,
                  let name = ToolRouter.best(for: text, among: request.tools) {
            choice = .function(name)
        }
        var constrainedTools = configuration.requiredArgumentsOnly ? request.tools.map(Self.requiredOnly) : request.tools
        if configuration.numbersFromMessages {
            let numbers = Self.numbers(in: request.messages)
            constrainedTools = constrainedTools.map { Self.restrictNumbers($0, to: numbers) }
        }
        let userTexts = Self.userTexts(request.messages)
        let narrowedTools = configuration.namedValues ? constrainedTools.map(ArgumentEvidence(texts: userTexts).apply) : constrainedTools
        let copySources = configuration.stringsFromMessages ? userTexts : []
        func grammar(_ tools: [ToolDefinition]) throws -> CompiledGrammar? {
            try grammars.grammar(format: format, tools: tools.map(\.openAIObject), choice: choice,
                                 parallel: request.parallelToolCalls, maxCalls: configuration.maxCallsPerStep,
                                 options: .init(whitespace: configuration.whitespace, copySources: copySources))
        }
        // The narrowing only adds keywords the compiler knows; should one still not compile, the
        // tools as given do.
        let compiled = narrowedTools == constrainedTools ? try grammar(constrainedTools)
                                                         : try (try? grammar(narrowedTools)) ?? grammar(constrainedTools)
        if let compiled {
            options.constraint = GrammarConstraint(grammar: compiled, vocabulary: vocabulary)
        }
        let stats = try await session.generateTokens(prompt: prompt, options: options) { _ in }
        let text = String(decoding: stats.tokens.flatMap(\.bytes), as: UTF8.self)
        let parsed = choice == .none ? ParsedToolCalls(content: text.trimmingCharacters(in: .whitespacesAndNewlines), calls: [])
                                     : format.parse(text, tools: request.tools.map(\.openAIObject))
        let truncated = stats.stopReason == .contextFull || (stats.stopReason == .maxTokens && stats.grammarComplete != true)
        var step = ProposedStep(text: parsed.content, calls: parsed.calls, tokens: stats.tokens,
                                confidence: CallConfidence.measure(tokens: stats.tokens, calls: parsed.calls, family: format.family),
                                promptTokens: stats.promptTokensEvaluated, generatedTokens: stats.generatedTokens,
                                contextTokens: prompt.count,
                                seconds: (ContinuousClock.now - started).seconds, truncated: truncated)
        step.decodeSteps = stats.decodeSteps
        step.decodeSeconds = stats.generationSeconds
        return step
    }

    /// The prompt for `messages`: the chat template with the tools (or, for templates that ignore
    /// tools, the format's tool instructions in the system message and earlier calls written in the
    /// format's syntax), tokenized with special tokens and the model's BOS rule.
    public func promptTokens(_ messages: [JSONValue], tools: [JSONValue]) throws -> [Int32] {
        try Self.promptTokens(messages, tools: tools, chat: chat, tokenizer: tokenizer, format: format)
    }

    /// The prompt for `messages` and `tools` (OpenAI objects) under a model's chat format; see the
    /// instance method. The server renders its requests with it too.
    public static func promptTokens(_ messages: [JSONValue], tools: [JSONValue], chat: ChatTemplate.ModelFormat,
                                    tokenizer: Tokenizer, format: ToolCallFormat) throws -> [Int32] {
        let template = chat.template
        let rendered: [JSONValue]
        if template.rendersTools || tools.isEmpty && !messages.contains(where: { $0["tool_calls"] != nil }) {
            rendered = messages
        } else {
            rendered = try Self.inlineTools(messages, tools: tools, format: format)
        }
        let text = try template.render(messages: rendered, tools: template.rendersTools && !tools.isEmpty ? tools : nil,
                                       addGenerationPrompt: true, bosToken: chat.bosToken, eosToken: chat.eosToken)
        let templateWroteBOS = !chat.bosToken.isEmpty && text.hasPrefix(chat.bosToken)
        return tokenizer.encode(text, addSpecial: !templateWroteBOS, parseSpecial: true)
    }

    /// The tool whose call opening (`callOpening`) is most likely after `prompt`.
    func likeliestTool(_ tools: [ToolDefinition], after prompt: [Int32]) async throws -> String {
        var best = (name: tools[0].name, logprob: -Double.infinity)
        for tool in tools {
            guard let text = Self.callOpening(format, tool: tool.name) else { continue }
            let opening = tokenizer.encode(text, addSpecial: false, parseSpecial: true)
            let logprob = try await session.logProbability(of: opening, after: prompt)
            if logprob > best.logprob { best = (tool.name, logprob) }
        }
        return best.name
    }

    /// The text of a call to `tool` up to and including its name and what closes the name: its
    /// quote in the JSON syntaxes, `>` / `(` / `{` in the Qwen XML, Python and Gemma 4 ones. Nil
    /// where the name is not followed by such a mark (`mistralArgs`).
    static func callOpening(_ format: ToolCallFormat, tool: String) -> String? {
        let text = format.text(for: [ToolCall(name: tool, arguments: .object(JSONObject()))])
        let named: String
        switch format.family {
        case .qwenXML: named = "<function=" + tool + ">"
        case .pythonic: named = tool + "("
        case .gemma4: named = "call:" + tool + "{"
        case .mistralArgs: return nil
        default: named = "\"" + tool + "\""
        }
        guard let end = text.range(of: named)?.upperBound else { return nil }
        return String(text[..<end])
    }

    /// The texts of the user messages.
    static func userTexts(_ messages: [JSONValue]) -> [String] {
        messages.filter { $0["role"] == "user" }.compactMap { $0["content"]?.stringValue }.filter { !$0.isEmpty }
    }

    /// The numbers written in the user messages, in order of appearance, without repeats.
    static func numbers(in messages: [JSONValue]) -> [JSONValue] {
        var found: [JSONValue] = []
        for message in messages where message["role"] == "user" {
            let text = Array((message["content"]?.stringValue ?? "").utf8)
            var i = 0
            while i < text.count {
                let negative = text[i] == UInt8(ascii: "-") && i + 1 < text.count && (0x30...0x39).contains(text[i + 1])
                    && (i == 0 || !(0x30...0x39).contains(text[i - 1]))
                guard negative || (0x30...0x39).contains(text[i]) else { i += 1; continue }
                var j = negative ? i + 1 : i
                while j < text.count, (0x30...0x39).contains(text[j]) || text[j] == UInt8(ascii: ",") && j + 3 < text.count
                    && text[(j + 1)...(j + 3)].allSatisfy({ (0x30...0x39).contains($0) }) { j += 1 }
                if j + 1 < text.count, text[j] == UInt8(ascii: "."), (0x30...0x39).contains(text[j + 1]) {
                    j += 1
                    while j < text.count, (0x30...0x39).contains(text[j]) { j += 1 }
                }
                let literal = String(decoding: text[i..<j].filter { $0 != UInt8(ascii: ",") }, as: UTF8.self)
                let value: JSONValue? = literal.contains(".") ? Double(literal).map { .double($0) } : Int(literal).map { .int($0) }
                if let value, !found.contains(value) { found.append(value) }
                i = j
            }
        }
        return found
    }

    /// `tool` with each top-level number/integer property limited to `numbers` (those of the
    /// right type), when any fit.
    static func restrictNumbers(_ tool: ToolDefinition, to numbers: [JSONValue]) -> ToolDefinition {
        guard var parameters = tool.parameters.objectValue, let properties = parameters["properties"]?.objectValue else { return tool }
        var restricted = JSONObject()
        for (key, schema) in properties {
            let type = schema["type"]?.stringValue
            let fitting = numbers.filter { type == "number" || type == "integer" && $0.intValue != nil && $0.doubleValue?.rounded() == $0.doubleValue }
            if (type == "number" || type == "integer") && !fitting.isEmpty && schema["enum"] == nil {
                var narrowed = schema.objectValue ?? JSONObject()
                narrowed["enum"] = .array(type == "integer" ? fitting.compactMap { $0.intValue.map { .int($0) } } : fitting)
                restricted[key] = .object(narrowed)
            } else {
                restricted[key] = schema
            }
        }
        parameters["properties"] = .object(restricted)
        var result = tool
        result.parameters = .object(parameters)
        return result
    }

    /// `tool` with its parameters cut down to the required properties (top level only).
    static func requiredOnly(_ tool: ToolDefinition) -> ToolDefinition {
        guard var parameters = tool.parameters.objectValue, let properties = parameters["properties"]?.objectValue else { return tool }
        let required = Set((parameters["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        parameters["properties"] = .object(JSONObject(properties.members.filter { required.contains($0.key) }.map { ($0.key, $0.value) }))
        parameters["additionalProperties"] = false
        var result = tool
        result.parameters = .object(parameters)
        return result
    }

    /// Messages for a template that knows nothing of tools: the tool instructions go into the
    /// system message, assistant calls become text in the format's syntax, contents are strings.
    static func inlineTools(_ messages: [JSONValue], tools: [JSONValue], format: ToolCallFormat) throws -> [JSONValue] {
        var result: [JSONValue] = []
        let instructions = tools.isEmpty ? nil : try format.toolInstructions(tools: tools)
        for (i, message) in messages.enumerated() {
            guard var object = message.objectValue else { continue }
            var content = object["content"]?.stringValue ?? ""
            if i == 0, let instructions, object["role"] == "system" {
                content = content.isEmpty ? instructions : content + "\n\n" + instructions
            }
            if let calls = object["tool_calls"]?.arrayValue {
                let parsed = calls.compactMap { call -> ToolCall? in
                    guard let function = call["function"], let name = function["name"]?.stringValue else { return nil }
                    let arguments = function["arguments"]?.stringValue.flatMap { try? JSONValue(parsing: $0) }
                        ?? function["arguments"] ?? .object(JSONObject())
                    return ToolCall(name: name, arguments: arguments)
                }
                content = content.isEmpty ? format.text(for: parsed) : content + "\n" + format.text(for: parsed)
                object["tool_calls"] = nil
            }
            object["content"] = .string(content)
            result.append(.object(object))
        }
        if let instructions, result.first?["role"] != "system" {
            result.insert(["role": "system", "content": .string(instructions)], at: 0)
        }
        return result
    }
}

/// Compiled tool grammars by (format, tools, choice): an agent asks for the same few every step.
private final class GrammarCache: @unchecked Sendable {
    // Guarded by `lock`.
    private var grammars: [String: CompiledGrammar?] = [:]
    private let lock = NSLock()

    func grammar(format: ToolCallFormat, tools: [JSONValue], choice: ToolChoice, parallel: Bool, maxCalls: Int,
                 options: JSONSchemaCompiler.Options) throws -> CompiledGrammar? {
        let key = "\(format.family)|\(choice)|\(parallel)|\(maxCalls)|\(options.whitespace)|"
            + JSONValue.array(options.copySources.map(JSONValue.string)).compactText + JSONValue.array(tools).compactText
        if let cached = lock.withLock({ grammars[key] }) { return cached }
        let grammar = try ToolCallGrammar.build(format: format, tools: tools, choice: choice, parallel: parallel,
                                                maxCalls: maxCalls, options: options).map(CompiledGrammar.init)
        lock.withLock {
            // Grammars that copy from the question differ per task: keep the cache small.
            if grammars.count >= 64 { grammars.removeAll() }
            grammars[key] = grammar
        }
        return grammar
    }
}
