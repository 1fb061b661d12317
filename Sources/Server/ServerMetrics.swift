import Prometheus
import Runtime
import Synchronization

/// The server's counters, gauges and histograms in a swift-prometheus registry, written in
/// Prometheus' text format for `GET /metrics`. The engine's gauges are read when scraped.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let promptTokens, cachedPromptTokens, completionTokens, disconnects: Counter
    private let firstToken, perToken: ValueHistogram
    private let queueDepth, active, slots, cachedTokens, activeTokens, capacity: Gauge
    private let decodeSteps, decodedSequences: Counter
    /// The engine's step and sequence totals at the last scrape (the counters take the difference).
    private let lastTotals = Mutex((steps: 0, sequences: 0))

    init() {
        promptTokens = registry.makeCounter(name: "swiftllm_prompt_tokens_total", help: "Prompt tokens of finished requests.")
        cachedPromptTokens = registry.makeCounter(name: "swiftllm_prompt_tokens_cached_total",
                                                  help: "Prompt tokens taken from a slot's cache instead of evaluated.")
        completionTokens = registry.makeCounter(name: "swiftllm_completion_tokens_total", help: "Generated tokens.")
        disconnects = registry.makeCounter(name: "swiftllm_client_disconnects_total", help: "Streams whose client went away.")
        firstToken = registry.makeValueHistogram(name: "swiftllm_time_to_first_token_seconds",
                                                 buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
                                                 help: "From the request's admission to its first generated token.")
        perToken = registry.makeValueHistogram(name: "swiftllm_time_per_output_token_seconds",
                                               buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
                                               help: "Mean time per generated token after the first, per request.")
        queueDepth = registry.makeGauge(name: "swiftllm_queue_depth", help: "Requests waiting for a slot.")
        active = registry.makeGauge(name: "swiftllm_active_sequences", help: "Requests being evaluated or decoded.")
        slots = registry.makeGauge(name: "swiftllm_slots", help: "Sequences decoded together at most (--parallel).")
        cachedTokens = registry.makeGauge(name: "swiftllm_kv_cache_tokens", help: "Tokens held in all slots' KV caches.")
        activeTokens = registry.makeGauge(name: "swiftllm_kv_cache_active_tokens", help: "Tokens in the caches of active slots.")
        capacity = registry.makeGauge(name: "swiftllm_kv_cache_capacity_tokens", help: "Tokens all slots' caches can hold.")
        decodeSteps = registry.makeCounter(name: "swiftllm_decode_steps_total", help: "Batched decode steps run.")
        decodedSequences = registry.makeCounter(name: "swiftllm_decoded_sequences_total",
                                              help: "Sequences those steps carried (their sum over steps).")
    }

    func request(_ route: String, status: Int) {
        registry.makeCounter(name: "swiftllm_requests_total", labels: [("route", route), ("status", String(status))],
                             help: "Requests by route and HTTP status.").increment()
    }

    func disconnected() { disconnects.increment() }

    func generation(_ stats: GenerationStats) {
        promptTokens.increment(by: Int64(stats.promptTokens))
        cachedPromptTokens.increment(by: Int64(stats.promptTokens - stats.promptTokensEvaluated))
        completionTokens.increment(by: Int64(max(0, stats.generatedTokens)))
        if stats.generatedTokens > 0 { firstToken.record(stats.timeToFirstToken) }
        if stats.generatedTokens > 1 { perToken.record(stats.generationSeconds / Double(stats.generatedTokens - 1)) }
    }

    func text(engine: BatchEngine.Snapshot) -> String {
        queueDepth.set(Double(engine.queued))
        active.set(Double(engine.active))
        slots.set(Double(engine.slots))
        cachedTokens.set(Double(engine.cachedTokens))
        activeTokens.set(Double(engine.activeTokens))
        capacity.set(Double(engine.cacheCapacity))
        lastTotals.withLock { last in
            decodeSteps.increment(by: Int64(max(0, engine.decodeSteps - last.steps)))
            decodedSequences.increment(by: Int64(max(0, engine.decodedRows - last.sequences)))
            last = (max(last.steps, engine.decodeSteps), max(last.sequences, engine.decodedRows))
        }
        return registry.emitToString()
    }
}
