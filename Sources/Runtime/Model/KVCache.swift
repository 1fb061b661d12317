import Tensor

/// Keys and values of the tokens seen so far, per layer, for one sequence.
/// Layout per layer: K (capacity, kvHeads, headDim), V (capacity, kvHeads, valueDim).
/// A reference type: one cache belongs to one sequence, used by one task at a time.
public final class KVCache: @unchecked Sendable {
    public enum Precision: String, Sendable {
        /// Half precision, as llama.cpp's default cache: half the memory, rounding K and V.
        case f16
        case f32
    }

    public let capacity: Int
    public let precision: Precision
    /// Tokens stored so far; the next token goes at this position.
    public internal(set) var count = 0
    /// The token ids stored, for prefix reuse.
    public internal(set) var tokens: [Int32] = []

    /// Threads that run this sequence's kernels (one forward pass at a time per pool).
    public let pool: ThreadPool
    var keys: [HalfOrFloatBuffer]
    var values: [HalfOrFloatBuffer]
    /// Convolution history and delta-net state of recurrent layers (lfm2, qwen35), nil otherwise.
    let recurrent: RecurrentState?
    /// The forward pass's work buffers for this sequence.
    let scratch = ForwardScratch()
    /// K and V on the device when the model runs on Vulkan (made on the first pass).
    var vulkan: VulkanCacheState?

    init(config: ModelConfig, capacity: Int, precision: KVCache.Precision, pool: ThreadPool) {
        self.pool = pool
        self.capacity = capacity
        self.precision = precision
        // Only layers with K and V of their own get a buffer (recurrent and shared-KV layers none).
        keys = config.layers.map { HalfOrFloatBuffer(count: $0.ownsKV ? capacity * $0.kvDim : 0, precision: precision) }
        values = config.layers.map { HalfOrFloatBuffer(count: $0.ownsKV ? capacity * $0.vDim : 0, precision: precision) }
        recurrent = RecurrentState(config: config)
    }

    /// Layer `index` as the attention kernel reads it.
    func layer(_ index: Int) throws(ModelError) -> Attention.Cache {
        do {
            return try Attention.Cache(keys: keys[index].raw, values: values[index].raw, type: precision == .f16 ? .f16 : .f32)
        } catch {
            throw .kernel(name: "KV cache", detail: error.description)
        }
    }

    /// Forgets everything after the first `length` tokens (keeps a shared prefix). A model with
    /// recurrent layers cannot undo tokens one by one: it goes back to the latest checkpoint at or
    /// before `length` (the start or end of an earlier multi-token pass), or to the start; `count`
    /// says where it landed.
    public func truncate(to length: Int) {
        let target = min(count, max(length, 0))
        if let recurrent, target < count {
            count = recurrent.restore(atMost: target)
        } else {
            count = target
        }
        tokens.removeSubrange(count...)
    }

    /// Keeps the longest prefix of the cache that `tokens` starts with (at most all but the last
    /// of `tokens`, whose logits are needed) and returns its length: where evaluating `tokens`
    /// must start.
    public func keepPrefix(of tokens: [Int32]) -> Int {
        var common = zip(self.tokens, tokens).prefix { $0 == $1 }.count
        if common == tokens.count { common -= 1 }   // re-evaluate the last token for its logits
        truncate(to: max(common, 0))
        return count
    }

    /// After a failed pass: the recurrent state goes back to its latest checkpoint.
    func recoverRecurrentState() {
        guard let recurrent else { return }
        count = recurrent.restore(atMost: count)
        tokens.removeSubrange(count...)
    }

    /// Bytes held by the cache.
    public var byteCount: Int {
        (keys + values).reduce(0) { $0 + $1.byteCount } + (recurrent?.byteCount ?? 0)
    }
}

/// A buffer of F16 or F32 values; reads and writes go through Float.
final class HalfOrFloatBuffer: @unchecked Sendable {
    // Owned by one KVCache, which is used by one task at a time.
    let raw: UnsafeMutableRawPointer
    let count: Int
    let precision: KVCache.Precision

    init(count: Int, precision: KVCache.Precision) {
        self.count = count
        self.precision = precision
        let bytes = max(count, 1) * (precision == .f16 ? 2 : 4)
        // Left uninitialized: positions are written before attention reads them, and untouched
        // pages cost no memory, so a cache sized for the whole context grows only as it fills.
        raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    }

    deinit { raw.deallocate() }

    var byteCount: Int { count * (precision == .f16 ? 2 : 4) }

    func write(_ source: UnsafePointer<Float>, count n: Int, at offset: Int) {
        switch precision {
        case .f32:
            (raw.assumingMemoryBound(to: Float.self) + offset).update(from: source, count: n)
        case .f16:
            Float16Rows.store(source, to: raw + 2 * offset, count: n)
        }
    }
}
