import Prometheus
import Runtime
import Synchronization

/// The server's counters, gauges and histograms in a swift-prometheus registry, written in
/// Prometheus' text format for `GET /metrics`. The engine's gauges are read when scraped.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let promptTokens, cachedPromptTokens, completionTokens, disconnects, draftedTokens, acceptedDrafts: Counter
    private let firstToken, perToken: ValueHistogram
    private let queueDepth, active, slots, cachedTokens, activeTokens, capacity: Gauge
    private let decodeSteps, decodedSequences: Counter
    /// The engine's step and sequence totals at the last scrape (the counters take the difference).
    private let lastTotals = Mutex((steps: 0, sequences: 0))

    init() {
        promptTokens = registry.makeCounter(descriptor: Self.descriptor("swiftllm_prompt_tokens_total", "Prompt tokens of finished requests."))
        cachedPromptTokens = registry.makeCounter(descriptor: Self.descriptor("swiftllm_prompt_tokens_cached_total",
                                                  "Prompt tokens taken from a slot's cache instead of evaluated."))
        completionTokens = registry.makeCounter(descriptor: Self.descriptor("swiftllm_completion_tokens_total", "Generated tokens."))
        disconnects = registry.makeCounter(descriptor: Self.descriptor("swiftllm_client_disconnects_total", "Streams whose client went away."))
        draftedTokens = registry.makeCounter(descriptor: Self.descriptor("swiftllm_drafted_tokens_total",
                                             "Tokens drafted by speculation (jump-forward, prompt lookup) and checked, of finished requests."))
        acceptedDrafts = registry.makeCounter(descriptor: Self.descriptor("swiftllm_accepted_draft_tokens_total",
                                              "Drafted tokens the model's own samples agreed with, of finished requests."))
        firstToken = registry.makeValueHistogram(descriptor: Self.descriptor("swiftllm_time_to_first_token_seconds",
                                                 "From the request's admission to its first generated token."), buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
        perToken = registry.makeValueHistogram(descriptor: Self.descriptor("swiftllm_time_per_output_token_seconds",
                                               "Mean time per generated token after the first, per request."), buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1])
        queueDepth = registry.makeGauge(descriptor: Self.descriptor("swiftllm_queue_depth", "Requests waiting for a slot."))
        active = registry.makeGauge(descriptor: Self.descriptor("swiftllm_active_sequences", "Requests being evaluated or decoded."))
        slots = registry.makeGauge(descriptor: Self.descriptor("swiftllm_slots", "Sequences decoded together at most (--parallel)."))
        cachedTokens = registry.makeGauge(descriptor: Self.descriptor("swiftllm_kv_cache_tokens", "Tokens held in all slots' KV caches."))
        activeTokens = registry.makeGauge(descriptor: Self.descriptor("swiftllm_kv_cache_active_tokens", "Tokens in the caches of active slots."))
        capacity = registry.makeGauge(descriptor: Self.descriptor("swiftllm_kv_cache_capacity_tokens", "Tokens all slots' caches can hold."))
        decodeSteps = registry.makeCounter(descriptor: Self.descriptor("swiftllm_decode_steps_total", "Batched decode steps run."))
        decodedSequences = registry.makeCounter(descriptor: Self.descriptor("swiftllm_decoded_sequences_total",
                                              "Sequences those steps carried (their sum over steps)."))
    }

    /// A metric's name (already fully qualified, so no unit suffix is added) and help text.
    static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    func request(_ route: String, status: Int) {
        registry.makeCounter(descriptor: Self.descriptor("swiftllm_requests_total", "Requests by route and HTTP status."),
                             labels: [("route", route), ("status", String(status))]).increment()
    }

    func disconnected() { disconnects.increment() }

    func generation(_ stats: GenerationStats) {
        promptTokens.increment(by: Int64(stats.promptTokens))
        cachedPromptTokens.increment(by: Int64(stats.promptTokens - stats.promptTokensEvaluated))
        completionTokens.increment(by: Int64(max(0, stats.generatedTokens)))
        draftedTokens.increment(by: Int64(stats.speculation.drafted))
        acceptedDrafts.increment(by: Int64(stats.speculation.accepted))
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
