import Foundation
import Runtime

/// The server's counters and histograms, written in Prometheus' text format for `GET /metrics`.
final class ServerMetrics: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var requests: [String: Int] = [:]   // "route|status"
    private var promptTokens = 0
    private var cachedPromptTokens = 0
    private var completionTokens = 0
    private var firstToken = Histogram(bounds: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
    private var perToken = Histogram(bounds: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1])
    private var disconnects = 0

    struct Histogram {
        let bounds: [Double]
        var counts: [Int]
        var sum: Double = 0
        var total = 0

        init(bounds: [Double]) {
            self.bounds = bounds
            counts = Array(repeating: 0, count: bounds.count)
        }

        mutating func observe(_ value: Double) {
            for (i, bound) in bounds.enumerated() where value <= bound { counts[i] += 1 }
            sum += value
            total += 1
        }

        func lines(_ name: String) -> [String] {
            var lines = ["# TYPE \(name) histogram"]
            for (bound, count) in zip(bounds, counts) { lines.append("\(name)_bucket{le=\"\(bound)\"} \(count)") }
            lines.append("\(name)_bucket{le=\"+Inf\"} \(total)")
            lines.append("\(name)_sum \(sum)")
            lines.append("\(name)_count \(total)")
            return lines
        }
    }

    func request(_ route: String, status: Int) {
        lock.withLock { requests["\(route)|\(status)", default: 0] += 1 }
    }

    func disconnected() {
        lock.withLock { disconnects += 1 }
    }

    func generation(_ stats: GenerationStats) {
        lock.withLock {
            promptTokens += stats.promptTokens
            cachedPromptTokens += stats.promptTokens - stats.promptTokensEvaluated
            completionTokens += stats.generatedTokens
            if stats.generatedTokens > 0 { firstToken.observe(stats.timeToFirstToken) }
            if stats.generatedTokens > 1 { perToken.observe(stats.generationSeconds / Double(stats.generatedTokens - 1)) }
        }
    }

    func text(engine: BatchEngine.Snapshot) -> String {
        lock.withLock {
            var lines = ["# TYPE swiftllm_requests_total counter"]
            for (key, count) in requests.sorted(by: { $0.key < $1.key }) {
                let parts = key.split(separator: "|")
                lines.append("swiftllm_requests_total{route=\"\(parts[0])\",status=\"\(parts[1])\"} \(count)")
            }
            lines += ["# TYPE swiftllm_prompt_tokens_total counter", "swiftllm_prompt_tokens_total \(promptTokens)",
                      "# TYPE swiftllm_prompt_tokens_cached_total counter", "swiftllm_prompt_tokens_cached_total \(cachedPromptTokens)",
                      "# TYPE swiftllm_completion_tokens_total counter", "swiftllm_completion_tokens_total \(completionTokens)",
                      "# TYPE swiftllm_client_disconnects_total counter", "swiftllm_client_disconnects_total \(disconnects)"]
            lines += firstToken.lines("swiftllm_time_to_first_token_seconds")
            lines += perToken.lines("swiftllm_time_per_output_token_seconds")
            lines += ["# TYPE swiftllm_queue_depth gauge", "swiftllm_queue_depth \(engine.queued)",
                      "# TYPE swiftllm_active_sequences gauge", "swiftllm_active_sequences \(engine.active)",
                      "# TYPE swiftllm_slots gauge", "swiftllm_slots \(engine.slots)",
                      "# TYPE swiftllm_kv_cache_tokens gauge", "swiftllm_kv_cache_tokens \(engine.cachedTokens)",
                      "# TYPE swiftllm_kv_cache_active_tokens gauge", "swiftllm_kv_cache_active_tokens \(engine.activeTokens)",
                      "# TYPE swiftllm_kv_cache_capacity_tokens gauge", "swiftllm_kv_cache_capacity_tokens \(engine.cacheCapacity)",
                      "# TYPE swiftllm_decode_steps_total counter", "swiftllm_decode_steps_total \(engine.decodeSteps)",
                      "# TYPE swiftllm_decoded_sequences_total counter", "swiftllm_decoded_sequences_total \(engine.decodedRows)"]
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
