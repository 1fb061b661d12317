import Foundation
import Tensor

/// Continuous batching: up to `slots` generations run together, and one decode step evaluates the
/// next token of every running sequence in a single forward pass (`Model.forward(batch:)`), so
/// each weight row is read once per step for all of them. Each sequence speculates as `run` does
/// (`GenerationOptions.speculation`: jump-forward under a grammar, prompt lookup; not a draft
/// model): its drafted tokens ride in the same pass (`Model.forwardSteps(batch:)`), and the
/// output is what one token per step gives. Requests wait in a bounded queue, take
/// a free slot between steps (the slot whose cache shares the longest prefix with their prompt,
/// which is not evaluated again), and leave when they finish or their stream is dropped. Prompts
/// are evaluated in chunks, one chunk between two decode steps, so a long prompt does not stall
/// the running sequences for long.
///
/// The steps run on a thread of the engine's own, not in Swift's cooperative pool.
///
/// ```swift
/// let engine = BatchEngine(model: model, decoder: tokenizer, endOfGeneration: tokenizer.endOfGeneration,
///                          configuration: .init(slots: 4, contextLength: 4096))
/// for try await event in try engine.submit(prompt: tokens, options: GenerationOptions(maxTokens: 64)) { ... }
/// ```
public final class BatchEngine: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Sequences decoded together.
        public var slots: Int
        /// Context of each slot (the model's training context when nil).
        public var contextLength: Int?
        /// Requests that may wait for a slot; more are refused (`BatchEngineError.queueFull`).
        public var maxQueue: Int
        /// Prompt tokens evaluated between two decode steps.
        public var prefillChunk: Int
        /// The caches' element type: f16 (as `Session` and llama.cpp by default) halves the bytes
        /// each decode step reads from every sequence's cache.
        public var kvPrecision: KVCache.Precision
        /// Speculation for requests that do not set their own (the server's `--jump-forward`
        /// and `--lookup`); a draft model is never used.
        public var speculation: SpeculationOptions

        public init(slots: Int = 4, contextLength: Int? = nil, maxQueue: Int = 64, prefillChunk: Int = 256,
                    kvPrecision: KVCache.Precision = .f16, speculation: SpeculationOptions = SpeculationOptions()) {
            self.speculation = speculation
            self.slots = max(1, slots)
            self.contextLength = contextLength
            self.maxQueue = max(0, maxQueue)
            self.prefillChunk = max(1, prefillChunk)
            self.kvPrecision = kvPrecision
        }
    }

    /// What the engine is doing now.
    public struct Snapshot: Sendable, Equatable {
        public var queued = 0
        public var active = 0
        public var slots = 0
        /// Tokens held in the KV caches of all slots (running or kept for prefix reuse).
        public var cachedTokens = 0
        public var cacheCapacity = 0
        /// Tokens the running sequences' caches hold.
        public var activeTokens = 0
        public var decodeSteps = 0
        /// Sequences per decode step, summed (divide by `decodeSteps` for the mean batch).
        public var decodedRows = 0
    }

    public let model: Model
    public let configuration: Configuration
    let decoder: any TokenTextDecoding
    let endOfGeneration: Set<Int32>
    private let caches: [KVCache]
    private let pool: ThreadPool
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [Sequence] = []
    private var running: [Sequence] = []
    private var slotBusy: [Bool]
    private var stopping = false
    private var counters = Snapshot()

    public init(model: Model, decoder: any TokenTextDecoding, endOfGeneration: Set<Int32>,
                configuration: Configuration = Configuration(), pool: ThreadPool = .shared) {
        self.model = model
        self.decoder = decoder
        self.endOfGeneration = endOfGeneration
        self.configuration = configuration
        self.pool = pool
        caches = (0..<configuration.slots).map { _ in
            model.makeCache(contextLength: configuration.contextLength, precision: configuration.kvPrecision, pool: pool)
        }
        slotBusy = Array(repeating: false, count: configuration.slots)
        let thread = Thread { [weak self] in self?.loop() }
        thread.name = "swiftllm-batch"
        thread.start()
    }

    /// Tokens one sequence's context holds.
    public var contextLength: Int { caches[0].capacity }

    /// Queues a generation after `prompt`. Its events arrive on the stream, ending with `.done`;
    /// dropping the stream (or cancelling the task reading it) stops the generation and frees the
    /// slot. With `reusePrefix` false the whole prompt is evaluated again even where a cache holds
    /// it: a reused prefix splits the prompt's evaluation differently (the last prompt token alone
    /// instead of in one batch), which can change a near-tie.
    public func submit(prompt: [Int32], options: GenerationOptions, reusePrefix: Bool = true) throws(BatchEngineError)
        -> AsyncThrowingStream<GenerationEvent, Error> {
        guard !prompt.isEmpty else { throw .emptyPrompt }
        guard prompt.count <= contextLength else { throw .promptTooLong(tokens: prompt.count, limit: contextLength) }
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, Error>.makeStream()
        // A draft model has one cache: it cannot serve several sequences at once.
        var options = options
        options.speculation.draftModel = nil
        let admitted = condition.withLock { () -> Result<Sequence, BatchEngineError> in
            guard !stopping else { return .failure(.shuttingDown) }
            // Slots plus queue places, however far the engine thread has got with admitting.
            guard running.count + queue.count < configuration.slots + configuration.maxQueue else {
                return .failure(.queueFull(limit: configuration.maxQueue))
            }
            let sequence = Sequence(prompt: prompt, reusePrefix: reusePrefix, continuation: continuation,
                                    generator: TokenGenerator(prompt: prompt, options: options, decoder: decoder,
                                                              endOfGeneration: endOfGeneration))
            queue.append(sequence)
            condition.signal()
            return .success(sequence)
        }
        let sequence = try admitted.get()
        continuation.onTermination = { [weak self, weak sequence] _ in
            guard let self, let sequence else { return }
            self.condition.withLock {
                sequence.cancelled = true
                self.condition.signal()
            }
        }
        return stream
    }

    public var snapshot: Snapshot {
        condition.withLock {
            var snapshot = counters
            snapshot.queued = queue.count
            snapshot.active = running.count
            snapshot.slots = configuration.slots
            snapshot.cacheCapacity = caches.reduce(0) { $0 + $1.capacity }
            return snapshot
        }
    }

    /// Stops taking requests, ends every queued and running generation (`.cancelled`), and stops
    /// the engine's thread once the current step is done.
    public func shutdown() {
        condition.withLock {
            stopping = true
            for sequence in queue + running { sequence.cancelled = true }
            condition.signal()
        }
    }

    // MARK: - The engine thread

    private func loop() {
        while true {
            condition.lock()
            admit()
            while queue.isEmpty && running.isEmpty && !stopping {
                condition.wait()
                admit()
            }
            let cancelled = running.filter(\.cancelled)
            let unplaced = stopping ? queue : []
            if stopping { queue.removeAll() }
            let work = running.filter { !$0.cancelled }
            let done = stopping && work.isEmpty
            condition.unlock()

            for sequence in unplaced { sequence.continuation.finish(throwing: CancellationError()) }
            for sequence in cancelled {
                sequence.generator.stop(.cancelled)
                finish(sequence)
            }
            if done { return }
            step(work)
            publish()
        }
    }

    /// Cache use for `snapshot`, counted on the engine thread (the only one that changes caches).
    private func publish() {
        let cached = caches.reduce(0) { $0 + $1.count }
        condition.withLock {
            counters.cachedTokens = cached
            counters.activeTokens = running.reduce(0) { $0 + caches[$1.slot].count }
        }
    }

    /// Moves queued requests into free slots (called with the lock held).
    private func admit() {
        while !queue.isEmpty, let free = bestSlot(for: queue[0].prompt) {
            let sequence = queue.removeFirst()
            if sequence.cancelled {
                sequence.continuation.finish(throwing: CancellationError())
                continue
            }
            sequence.slot = free
            slotBusy[free] = true
            let cache = caches[free]
            var common = sequence.reusePrefix ? zip(cache.tokens, sequence.prompt).prefix { $0 == $1 }.count : 0
            if common == sequence.prompt.count { common -= 1 }   // re-evaluate the last token for its logits
            common = max(common, 0)
            cache.truncate(to: common)   // a recurrent model may land on an earlier checkpoint
            sequence.reused = cache.count
            running.append(sequence)
        }
    }

    /// The free slot whose cache shares the longest prefix with `prompt` (the emptiest on a tie).
    private func bestSlot(for prompt: [Int32]) -> Int? {
        var best: (slot: Int, common: Int, count: Int)?
        for (slot, cache) in caches.enumerated() where !slotBusy[slot] {
            let common = zip(cache.tokens, prompt).prefix { $0 == $1 }.count
            if best == nil || common > best!.common || common == best!.common && cache.count < best!.count {
                best = (slot, common, cache.count)
            }
        }
        return best?.slot
    }

    /// One prompt chunk (for the first sequence still reading its prompt), then one decode step
    /// for every sequence that has a token to evaluate.
    private func step(_ work: [Sequence]) {
        if let reading = work.first(where: { $0.pending == nil && !$0.generator.isFinished }) {
            prefill(reading)
        }
        var batch = work.filter { $0.pending != nil }
        guard !batch.isEmpty else { return }
        // Drafting (which walks a grammar) and sampling are per sequence: spread them over the
        // pool's threads, which would otherwise wait for the engine thread between two passes.
        pool.forEachChunk(batch.count, chunk: 1) { range in
            for index in range { plan(batch[index]) }
        }
        // No plan: the sequence's cache is full (its generator is stopped) or drafting failed.
        for sequence in batch where sequence.plan == nil {
            if let error = sequence.planError { fail(sequence, error) } else { finish(sequence) }
        }
        batch.removeAll { $0.plan == nil }
        guard !batch.isEmpty else { return }
        do {
            let segments = batch.map { ForwardSegment(tokens: $0.plan?.tokens ?? [], cache: caches[$0.slot]) }
            let started = ContinuousClock.now
            let logits = segments.allSatisfy({ $0.tokens.count == 1 }) ? try model.forward(batch: segments)
                : try model.forwardSteps(batch: segments)
            let seconds = (ContinuousClock.now - started).seconds
            condition.withLock {
                counters.decodeSteps += 1
                counters.decodedRows += batch.count
            }
            pool.forEachChunk(batch.count, chunk: 1) { range in
                for index in range { check(batch[index], rows: logits[index], seconds: seconds) }
            }
        } catch {
            for sequence in batch { fail(sequence, error) }
        }
    }

    /// The sequence's step: its pending token and the drafts worth checking (`sequence.plan`).
    private func plan(_ sequence: Sequence) {
        guard let token = sequence.pending else { return }
        if sequence.loop == nil {
            sequence.loop = DecodeLoop(model: model, cache: caches[sequence.slot], generator: sequence.generator, decoder: decoder)
        }
        do {
            sequence.plan = try sequence.loop?.plan(after: token, generator: &sequence.generator, allRows: true)
        } catch {
            sequence.planError = error
        }
    }

    /// Checks the sequence's drafts against its rows' logits and samples the token after them.
    private func check(_ sequence: Sequence, rows: [Float], seconds: Double) {
        guard let plan = sequence.plan else { return }
        sequence.plan = nil
        let continuation = sequence.continuation
        let next = sequence.loop?.apply(plan, rows: rows, seconds: seconds, generator: &sequence.generator,
                                        emit: { continuation.yield($0) })
        if let next {
            sequence.pending = next
        } else {
            finish(sequence)
        }
    }

    private func prefill(_ sequence: Sequence) {
        let cache = caches[sequence.slot]
        let end = min(cache.count + configuration.prefillChunk, sequence.prompt.count)
        let chunk = Array(sequence.prompt[cache.count..<end])
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let logits = try model.forward(chunk, cache: cache)
            sequence.promptSeconds += (clock.now - started).seconds
            if cache.count == sequence.prompt.count {
                sequence.generator.promptEvaluated(tokens: sequence.prompt.count - sequence.reused, seconds: sequence.promptSeconds)
                advance(sequence, logits: logits)
            }
        } catch {
            fail(sequence, error)
        }
    }

    /// Samples the next token of `sequence` from `logits`; it waits to be evaluated in the next
    /// decode step, or the sequence is finished.
    private func advance(_ sequence: Sequence, logits: [Float]) {
        let continuation = sequence.continuation
        if let token = sequence.generator.next(logits: logits, emit: { continuation.yield($0) }) {
            sequence.pending = token
        } else {
            finish(sequence)
        }
    }

    private func finish(_ sequence: Sequence) {
        let continuation = sequence.continuation
        let stats = sequence.generator.finish(emit: { continuation.yield($0) })
        continuation.yield(.done(stats))
        continuation.finish()
        release(sequence)
    }

    private func fail(_ sequence: Sequence, _ error: any Error) {
        sequence.continuation.finish(throwing: error)
        // The cache may hold part of a failed step: forget it rather than reuse it.
        caches[sequence.slot].truncate(to: 0)
        release(sequence)
    }

    private func release(_ sequence: Sequence) {
        condition.withLock {
            running.removeAll { $0 === sequence }
            slotBusy[sequence.slot] = false
        }
    }
}

/// One generation in the engine. Its generator and slot are touched only by the engine thread, or
/// during a decode step's sampling by the one pool thread that samples it; `cancelled` is guarded
/// by the engine's lock.
private final class Sequence: @unchecked Sendable {
    let prompt: [Int32]
    let reusePrefix: Bool
    let continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation
    var generator: TokenGenerator
    var slot = 0
    var reused = 0
    var promptSeconds: Double = 0
    /// The sampled token the next decode step evaluates.
    var pending: Int32?
    /// Drafting and checking for the decode steps (made at the first one).
    var loop: DecodeLoop?
    /// This step's token and drafts, between planning and checking.
    var plan: DecodeLoop.StepPlan?
    var planError: (any Error)?
    var cancelled = false

    init(prompt: [Int32], reusePrefix: Bool, continuation: AsyncThrowingStream<GenerationEvent, Error>.Continuation,
         generator: TokenGenerator) {
        self.prompt = prompt
        self.reusePrefix = reusePrefix
        self.continuation = continuation
        self.generator = generator
    }
}

public enum BatchEngineError: Error, Equatable, CustomStringConvertible {
    case emptyPrompt
    case promptTooLong(tokens: Int, limit: Int)
    case queueFull(limit: Int)
    case shuttingDown

    public var description: String {
        switch self {
        case .emptyPrompt: "the prompt is empty"
        case .promptTooLong(let tokens, let limit):
            "the prompt has \(tokens) tokens, \(tokens - limit) more than the context of \(limit)"
        case .queueFull(let limit): "\(limit) requests are already waiting; try again later"
        case .shuttingDown: "the engine is shutting down"
        }
    }
}
