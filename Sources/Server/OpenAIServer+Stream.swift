import Foundation
import Hummingbird
import NIOCore
import Runtime

extension OpenAIServer {
    /// A streamed answer: server-sent events, one chunk per piece of text, ending with `[DONE]`.
    /// When the reply may hold tool calls, `ToolCallStream` reads it as it is generated: text
    /// before the calls streams as content (a tail that may be the start of the call prefix is
    /// held back until decided), each call opens with its id and complete name, and its arguments
    /// follow in pieces as they are generated. A client that goes away stops the generation: the
    /// write fails, the engine's stream is dropped, and the slot is freed.
    func stream(_ events: AsyncThrowingStream<GenerationEvent, Error>, job: CompletionService.Job, route: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let id = Self.newID(route)
        let chat = route == "chat"
        let created = Int(Date().timeIntervalSince1970)
        let model = service.model(job)
        let service = self.service, metrics = self.metrics, limit = configuration.timeout
        let decoder = service.tokenizer
        metrics.request(route, status: 200)
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            func chunk(_ delta: JSONValue?, text: String? = nil, finish: String? = nil, logprobs: JSONValue = .null,
                       usage: JSONValue? = nil) -> ByteBuffer {
                var object = JSONObject([("id", .string(id)), ("object", .string(chat ? "chat.completion.chunk" : "text_completion")),
                                         ("created", .int(created)), ("model", .string(model)), ("system_fingerprint", "swiftllm")])
                if let usage {
                    object["choices"] = []
                    object["usage"] = usage
                } else {
                    var choice = JSONObject([("index", 0)])
                    if chat { choice["delta"] = delta ?? [:] } else { choice["text"] = .string(text ?? "") }
                    choice["logprobs"] = logprobs
                    choice["finish_reason"] = finish.map(JSONValue.string) ?? .null
                    object["choices"] = [.object(choice)]
                }
                return ByteBuffer(string: "data: " + JSONValue.object(object).compactText + "\n\n")
            }
            func callChunk(_ delta: ToolCallStream.Delta) -> ByteBuffer {
                switch delta {
                case .content(let piece):
                    return chunk(["content": .string(piece)])
                case .call(let index, let name):
                    return chunk(["tool_calls": [["index": .int(index), "id": .string(CompletionService.callID(id, index)),
                                                  "type": "function", "function": ["name": .string(name), "arguments": ""]]]])
                case .arguments(let index, let piece):
                    return chunk(["tool_calls": [["index": .int(index), "function": ["arguments": .string(piece)]]]])
                }
            }
            var calls = ToolCallStream(format: service.format)
            calls.tools = job.request.tools
            let deadline = ContinuousClock.now + .seconds(limit)
            var text = ""
            var pendingTokens: [GeneratedToken] = []
            var stats: GenerationStats?
            do {
                if chat { try await writer.write(chunk(["role": "assistant", "content": ""])) }
                for try await event in events {
                    if ContinuousClock.now > deadline {
                        let error = OpenAIError(status: 504, "the request took longer than \(limit) s", type: "timeout", code: "timeout")
                        try await writer.write(ByteBuffer(string: "data: " + error.json.compactText + "\n\n"))
                        try await writer.finish(nil)
                        return
                    }
                    switch event {
                    case .token(let token, let logprob):
                        if job.request.logprobs {
                            pendingTokens.append(GeneratedToken(id: token, bytes: decoder.textBytes(of: token), logprob: logprob,
                                                                grammarLogprob: logprob, allowedCount: 0))
                        }
                    case .alternatives(let alternatives):
                        if !pendingTokens.isEmpty { pendingTokens[pendingTokens.count - 1].alternatives = alternatives }
                    case .text(let piece):
                        text += piece
                        if job.callsPossible {
                            for delta in calls.append(piece) { try await writer.write(callChunk(delta)) }
                            continue
                        }
                        let logprobs: JSONValue = job.request.logprobs ? ["content": CompletionService.logprobsJSON(pendingTokens)] : .null
                        pendingTokens.removeAll()
                        try await writer.write(chat ? chunk(["content": .string(piece)], logprobs: logprobs) : chunk(nil, text: piece))
                    case .done(let done):
                        stats = done
                    }
                }
            } catch {
                // The client went away (a failed write) or the generation failed: nothing more to send.
                metrics.disconnected()
                return
            }
            guard let stats else { return }
            metrics.generation(stats)
            let result = service.result(text: text, stats: stats, job: job)
            if job.callsPossible {
                for delta in calls.finish() { try await writer.write(callChunk(delta)) }
            }
            try await writer.write(chat ? chunk([:], finish: result.finishReason) : chunk(nil, text: "", finish: result.finishReason))
            if job.request.includeUsage { try await writer.write(chunk(nil, usage: CompletionService.usage(stats))) }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        })
    }
}
