import GGUF

/// One layer's token mixer and shape. Most architectures repeat one shape; gemma4, lfm2 and
/// qwen35 vary it by layer (`ArchSpec.layout`).
public struct LayerConfig: Sendable, Equatable {
    public enum Mixer: String, Sendable, Equatable {
        case attention
        /// Gated short convolution (lfm2): no KV cache, a few rows of history.
        case shortConvolution = "short convolution"
        /// Gated delta-net (qwen35): linear attention with a recurrent state.
        case gatedDeltaNet = "gated delta-net"
    }

    public var mixer: Mixer = .attention
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var valueDim: Int
    /// Rotated dimensions per head; 0: no RoPE in this layer.
    public var ropeDimensions: Int
    public var ropeBase: Float
    /// Whether `rope_freqs` divides this layer's frequencies.
    public var usesRopeFactors = true
    /// Attention window (keys within this many positions), nil: global.
    public var slidingWindow: Int?
    /// The layer whose KV cache this layer reads: itself, or an earlier one (gemma4's shared KV).
    public var kvSource: Int
    public var feedForwardLength: Int

    public var qDim: Int { headCount * headDim }
    public var kvDim: Int { kvHeadCount * headDim }
    public var vDim: Int { kvHeadCount * valueDim }
    /// Whether this layer writes K and V of its own.
    public var ownsKV: Bool { mixer == .attention && kvSource < 0 }
}

/// Routed experts (qwen3moe).
public struct ExpertConfig: Sendable, Equatable {
    public var count: Int
    public var used: Int
    public var feedForwardLength: Int
}

/// Gated delta-net shape (qwen35 `ssm.*`): `keyHeads` q/k heads and `valueHeads` v heads of
/// `stateSize` values; V head j reads q/k head j mod `keyHeads`.
public struct DeltaNetConfig: Sendable, Equatable {
    public var convolutionKernel: Int
    public var stateSize: Int
    public var keyHeads: Int
    public var valueHeads: Int
    public var valueHeadSize: Int

    /// Channels of the causal convolution: [q; k; v].
    public var channels: Int { 2 * keyHeads * stateSize + valueHeads * valueHeadSize }
    public var innerSize: Int { valueHeads * valueHeadSize }
}

extension ModelConfig {
    /// `key` as one integer per layer: a scalar repeated or an array of `layers` entries.
    static func perLayer(_ metadata: GGUFMetadata, _ key: String, layers: Int, required: Bool = false) throws -> [Int]? {
        guard let value = metadata[key] else {
            if required { throw ModelError.missingMetadata(key) }
            return nil
        }
        if case .array = value {
            let values = try metadata.ints(key)
            guard values.count == layers else {
                throw ModelError.invalidMetadata(key, "\(values.count) entries for \(layers) layers")
            }
            guard values.allSatisfy({ $0 >= 0 && $0 <= 1 << 24 }) else { throw ModelError.invalidMetadata(key, "\(values)") }
            return values
        }
        return Array(repeating: try metadata.int(key), count: layers)
    }

    /// Fills `layers` (and the layout's extras) from the model-wide values and the layout keys.
    mutating func makeLayers(_ metadata: GGUFMetadata, kvHeads: [Int], feedForward: [Int]) throws {
        let arch = spec.name
        func key(_ suffix: String) -> String { "\(arch).\(suffix)" }
        let count = layerCount
        let kv = kvHeads.count == count ? kvHeads : Array(repeating: kvHeads.first ?? headCount, count: count)
        let ff = feedForward.count == count ? feedForward : Array(repeating: feedForwardLength, count: count)
        layers = (0..<count).map { i in
            LayerConfig(headCount: headCount, kvHeadCount: kv[i], headDim: headDim, valueDim: valueDim,
                        ropeDimensions: spec.appliesRoPE(layer: i) ? ropeDimensions : 0, ropeBase: ropeBase,
                        slidingWindow: nil, kvSource: -1, feedForwardLength: ff[i])
        }
        if let pattern = spec.slidingWindow, let window = slidingWindow {
            for i in 0..<count where pattern.isLocal(layer: i) {
                layers[i].slidingWindow = window
                layers[i].ropeBase = pattern.localRopeBase
            }
        }
        if spec.expertFeedForward {
            let experts = try metadata.int(key("expert_count")), used = try metadata.int(key("expert_used_count"))
            let width = try metadata.intIfPresent(key("expert_feed_forward_length")) ?? feedForwardLength / max(used, 1)
            guard experts > 0, experts <= 4096, used > 0, used <= experts, width > 0, width <= 1 << 20 else {
                throw ModelError.invalidMetadata(key("expert_count"), "\(experts) experts, \(used) used, width \(width)")
            }
            self.experts = ExpertConfig(count: experts, used: used, feedForwardLength: width)
        }
        switch spec.layout {
        case .uniform: break
        case .gemma4: try makeGemma4Layers(metadata, key: key)
        case .lfm2:
            let taps = try metadata.int(key("shortconv.l_cache"))
            guard taps >= 1, taps <= 64 else { throw ModelError.invalidMetadata(key("shortconv.l_cache"), "\(taps)") }
            shortConvolutionLength = taps
            for i in 0..<count where layers[i].kvHeadCount == 0 { layers[i].mixer = .shortConvolution }
        case .qwen35: try makeQwen35Layers(metadata, key: key)
        }
        for i in 0..<count where layers[i].mixer == .attention && layers[i].kvHeadCount == 0 {
            throw ModelError.invalidMetadata(key("attention.head_count_kv"), "0 for attention layer \(i)")
        }
    }

    private mutating func makeGemma4Layers(_ metadata: GGUFMetadata, key: (String) -> String) throws {
        let pattern = try metadata.array(key("attention.sliding_window_pattern")).map { element -> Bool in
            if case .bool(let b) = element { return b }
            return false
        }
        guard pattern.count == layerCount else {
            throw ModelError.invalidMetadata(key("attention.sliding_window_pattern"), "\(pattern.count) entries for \(layerCount) layers")
        }
        let window = try metadata.int(key("attention.sliding_window"))
        let swaHead = try metadata.int(key("attention.key_length_swa"))
        let swaValue = try metadata.int(key("attention.value_length_swa"))
        let swaRope = try metadata.intIfPresent(key("rope.dimension_count_swa")) ?? swaHead
        let swaBase = try metadata.floatIfPresent(key("rope.freq_base_swa")) ?? 10_000
        let shared = try metadata.intIfPresent(key("attention.shared_kv_layers")) ?? 0
        let perLayer = try metadata.int(key("embedding_length_per_layer_input"))
        guard window > 0, swaHead > 0, swaHead <= 4096, swaValue == swaHead, swaRope > 0, swaRope <= swaHead, swaRope % 2 == 0,
              shared >= 0, shared < layerCount, perLayer >= 0, perLayer <= 1 << 16 else {
            throw ModelError.invalidMetadata(key("attention.key_length_swa"),
                                             "window \(window), head \(swaHead)/\(swaValue), rope \(swaRope), shared \(shared), per-layer \(perLayer)")
        }
        slidingWindow = window
        perLayerInputLength = perLayer > 0 ? perLayer : nil
        let owners = layerCount - shared
        for i in 0..<layerCount where pattern[i] {
            layers[i].slidingWindow = window
            layers[i].headDim = swaHead
            layers[i].valueDim = swaValue
            layers[i].ropeDimensions = swaRope
            layers[i].ropeBase = swaBase
            layers[i].usesRopeFactors = false
        }
        if shared > 0 {
            // As llama.cpp: shared layers read the last sliding-window or full layer that owns KV.
            guard owners >= 2, pattern[owners - 2], !pattern[owners - 1] else {
                throw ModelError.invalidMetadata(key("attention.shared_kv_layers"),
                                                 "layer \(owners - 2) must be sliding-window and \(owners - 1) full")
            }
            for i in owners..<layerCount {
                let source = pattern[i] ? owners - 2 : owners - 1
                layers[i].kvSource = source
                layers[i].kvHeadCount = layers[source].kvHeadCount
            }
        }
    }

    private mutating func makeQwen35Layers(_ metadata: GGUFMetadata, key: (String) -> String) throws {
        var recurrent: [Bool]
        if metadata.contains(key("attention.recurrent_layers")) {
            recurrent = try metadata.array(key("attention.recurrent_layers")).map { element -> Bool in
                if case .bool(let b) = element { return b }
                return element.intValue.map { $0 != 0 } ?? false
            }
        } else {
            let interval = try metadata.intIfPresent(key("full_attention_interval")) ?? 4
            guard interval > 0 else { throw ModelError.invalidMetadata(key("full_attention_interval"), "\(interval)") }
            recurrent = (0..<layerCount).map { ($0 + 1) % interval != 0 }
        }
        guard recurrent.count == layerCount else {
            throw ModelError.invalidMetadata(key("attention.recurrent_layers"), "\(recurrent.count) entries for \(layerCount) layers")
        }
        let kernel = try metadata.int(key("ssm.conv_kernel")), state = try metadata.int(key("ssm.state_size"))
        let groups = try metadata.int(key("ssm.group_count")), heads = try metadata.int(key("ssm.time_step_rank"))
        let inner = try metadata.int(key("ssm.inner_size"))
        guard kernel >= 1, kernel <= 64, state > 0, state <= 1024, groups > 0, heads > 0, heads <= 1024, heads % groups == 0,
              inner > 0, inner % heads == 0, inner / heads <= 1024 else {
            throw ModelError.invalidMetadata(key("ssm.inner_size"),
                                             "conv \(kernel), state \(state), groups \(groups), heads \(heads), inner \(inner)")
        }
        deltaNet = DeltaNetConfig(convolutionKernel: kernel, stateSize: state, keyHeads: groups, valueHeads: heads,
                                  valueHeadSize: inner / heads)
        if metadata.contains(key("rope.dimension_sections")) {
            let sections = try metadata.ints(key("rope.dimension_sections"))
            guard sections.count == 4, sections.allSatisfy({ $0 >= 0 && $0 <= 1 << 16 }) else {
                throw ModelError.invalidMetadata(key("rope.dimension_sections"), "\(sections)")
            }
            ropeSections = sections
        }
        for i in 0..<layerCount where recurrent[i] { layers[i].mixer = .gatedDeltaNet }
    }

    /// Whether RoPE pair `pair` rotates for text positions under `ropeSections` (IMROPE: pairs
    /// cycle through the sections t, h, w; a pair outside them uses the 4th position, 0).
    func ropePairRotates(_ pair: Int) -> Bool {
        guard let s = ropeSections, s.count == 4 else { return true }
        let total = s.reduce(0, +)
        guard total > 0 else { return true }
        let sector = pair % total
        switch sector % 3 {
        case 0: return sector < 3 * s[0]
        case 1: return sector < 3 * s[1]
        default: return sector < 3 * s[2]
        }
    }
}
