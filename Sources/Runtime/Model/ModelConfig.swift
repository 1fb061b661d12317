import Foundation
import GGUF

/// The numbers of a model, read from GGUF metadata (`{arch}.*`), plus its `ArchSpec`.
public struct ModelConfig: Sendable, Equatable {
    public var spec: ArchSpec
    public var embeddingLength: Int
    public var layerCount: Int
    public var headCount: Int
    public var kvHeadCount: Int
    /// Size of one query/key head.
    public var headDim: Int
    /// Size of one value head.
    public var valueDim: Int
    public var feedForwardLength: Int
    public var contextLength: Int
    public var vocabularySize: Int
    public var rmsEpsilon: Float
    public var ropeBase: Float
    /// Rotated dimensions per head (partial RoPE when < headDim).
    public var ropeDimensions: Int
    /// Linear RoPE scaling factor (positions are multiplied by it).
    public var ropeScale: Float
    /// YaRN RoPE scaling (`rope.scaling.type` "yarn"), nil without it.
    public var yarn: YaRN?
    /// Llama-4-style attention temperature (`attention.temperature_scale`), nil without it.
    public var attentionTemperature: AttentionTemperature?
    public var slidingWindow: Int?
    public var finalLogitSoftcap: Float?
    public var attentionScale: Float
    /// Each layer's mixer and shape (`ModelConfig+Layers`). The model-wide head counts, sizes
    /// and FFN width above are the largest over the layers.
    public var layers: [LayerConfig]
    /// Routed experts (qwen3moe), nil for a dense FFN.
    public var experts: ExpertConfig?
    /// Taps of the gated short convolution (lfm2 `shortconv.l_cache`).
    public var shortConvolutionLength: Int?
    /// The gated delta-net's shape (qwen35 `ssm.*`).
    public var deltaNet: DeltaNetConfig?
    /// Values per layer of the per-layer token inputs (gemma4), nil without them.
    public var perLayerInputLength: Int?
    /// Interleaved M-RoPE sections (qwen35 `rope.dimension_sections`): for text, pair i rotates
    /// only when its sector is covered by the first three sections.
    public var ropeSections: [Int]?

    public var qDim: Int { headCount * headDim }
    public var kvDim: Int { kvHeadCount * headDim }
    public var vDim: Int { kvHeadCount * valueDim }

    /// Whether `layer` attends only to the last `slidingWindow` positions.
    public func isSlidingWindow(layer: Int) -> Bool {
        layers.indices.contains(layer) && layers[layer].slidingWindow != nil
    }

    /// RoPE base for `layer` (local layers of a sliding-window model have their own).
    public func ropeBase(layer: Int) -> Float {
        layers.indices.contains(layer) ? layers[layer].ropeBase : ropeBase
    }

    /// The attention score scale of `layer`: 1/√(its head size), or 1 (gemma4).
    public func attentionScale(layer: Int) -> Float {
        spec.unscaledAttention || !layers.indices.contains(layer) ? attentionScale : 1 / Float(layers[layer].headDim).squareRoot()
    }

    public init(metadata: GGUFMetadata) throws(ModelError) {
        guard let arch = metadata.architecture else { throw .missingMetadata("general.architecture") }
        guard let spec = ArchSpec.all[arch] else { throw .unsupportedArchitecture(arch) }
        self.spec = spec
        do {
            func int(_ suffix: String) throws(GGUFError) -> Int { try metadata.int("\(arch).\(suffix)") }
            func optionalInt(_ suffix: String) throws(GGUFError) -> Int? { try metadata.intIfPresent("\(arch).\(suffix)") }
            func optionalFloat(_ suffix: String) throws(GGUFError) -> Float? { try metadata.floatIfPresent("\(arch).\(suffix)") }
            embeddingLength = try int("embedding_length")
            layerCount = try int("block_count")
            headCount = try int("attention.head_count")
            guard layerCount > 0, layerCount <= 4096 else { throw ModelError.invalidMetadata("\(arch).block_count", "\(layerCount)") }
            let kvHeads = try Self.perLayer(metadata, "\(arch).attention.head_count_kv", layers: layerCount) ?? [headCount]
            kvHeadCount = kvHeads.max() ?? headCount
            contextLength = try int("context_length")
            let feedForward = try Self.perLayer(metadata, "\(arch).feed_forward_length", layers: layerCount, required: true) ?? []
            feedForwardLength = feedForward.max() ?? 0
            rmsEpsilon = try metadata.float("\(arch).attention.layer_norm_rms_epsilon")
            for kv in kvHeads where !(headCount > 0 && kv >= 0 && (kv == 0 ? spec.layout == .lfm2 : headCount % kv == 0)) {
                throw ModelError.invalidMetadata("\(arch).attention.head_count_kv", "head_count \(headCount) is not a multiple of head_count_kv \(kv)")
            }
            headDim = try optionalInt("attention.key_length") ?? embeddingLength / headCount
            valueDim = try optionalInt("attention.value_length") ?? headDim
            ropeDimensions = try optionalInt("rope.dimension_count") ?? headDim
            ropeBase = try optionalFloat("rope.freq_base") ?? 10_000
            let scaleType = try metadata.stringIfPresent("\(arch).rope.scaling.type")
            let factor = try optionalFloat("rope.scaling.factor")
            ropeScale = (scaleType == "linear" && (factor ?? 0) > 0) ? 1 / (factor ?? 1) : 1
            let originalContext = try optionalInt("rope.scaling.original_context_length")
            yarn = nil
            if scaleType == "yarn" {
                guard let factor, factor >= 1, let originalContext, originalContext > 0 else {
                    throw ModelError.invalidMetadata("\(arch).rope.scaling.factor",
                                                     "YaRN needs a factor ≥ 1 and rope.scaling.original_context_length")
                }
                yarn = YaRN(factor: factor, originalContext: originalContext,
                            betaFast: try optionalFloat("rope.scaling.yarn_beta_fast") ?? 32,
                            betaSlow: try optionalFloat("rope.scaling.yarn_beta_slow") ?? 1,
                            logMultiplier: try optionalFloat("rope.scaling.yarn_log_multiplier") ?? 0)
            }
            attentionTemperature = nil
            if let scale = try optionalFloat("attention.temperature_scale"), scale != 0 {
                let length = try optionalInt("attention.temperature_length") ?? originalContext ?? 0
                guard length > 0 else {
                    throw ModelError.invalidMetadata("\(arch).attention.temperature_scale",
                                                     "needs attention.temperature_length or rope.scaling.original_context_length")
                }
                attentionTemperature = AttentionTemperature(scale: scale, length: length)
            }
            slidingWindow = spec.slidingWindow == nil ? nil : try optionalInt("attention.sliding_window")
            finalLogitSoftcap = try optionalFloat("final_logit_softcapping")
            attentionScale = spec.unscaledAttention ? 1 : 1 / Float(headDim).squareRoot()
            vocabularySize = try optionalInt("vocab_size") ?? metadata.array("tokenizer.ggml.tokens").count
            layers = []
            try makeLayers(metadata, kvHeads: kvHeads, feedForward: feedForward)
        } catch let error as GGUFError {
            throw .metadata(error)
        } catch let error as ModelError {
            throw error
        } catch {
            throw .invalidMetadata(arch, "\(error)")
        }
        guard valueDim == headDim else {
            throw .invalidMetadata("\(arch).attention.value_length", "\(valueDim) differs from key_length \(headDim), which the attention kernel does not support")
        }
        guard ropeDimensions > 0, ropeDimensions <= headDim, ropeDimensions % 2 == 0 else {
            throw .invalidMetadata("\(arch).rope.dimension_count", "\(ropeDimensions) for head size \(headDim)")
        }
        for (name, value) in [("embedding_length", embeddingLength), ("block_count", layerCount),
                              ("feed_forward_length", feedForwardLength), ("context_length", contextLength),
                              ("attention.key_length", headDim), ("attention.value_length", valueDim),
                              ("vocabulary size", vocabularySize)] where value <= 0 || value > 1 << 24 {
            throw .invalidMetadata("\(arch).\(name)", "\(value)")
        }
    }
}

/// YaRN RoPE scaling (as llama.cpp applies it): pair i of the rotated dimensions turns at
/// θ·((1 − r)/factor + r), where the ramp r is 1 for the fast-turning pairs (below the
/// `betaFast` correction dimension), 0 for the slow ones (above `betaSlow`'s) and linear
/// between; cos and sin are multiplied by `magnitude`.
public struct YaRN: Sendable, Equatable {
    public var factor: Float
    public var originalContext: Int
    public var betaFast: Float
    public var betaSlow: Float
    /// `rope.scaling.yarn_log_multiplier` (0 when absent).
    public var logMultiplier: Float

    /// Multiplies each pair's frequency in `frequencies` (`dims / 2` of them, for `dims` rotated
    /// dimensions and RoPE base `base`) by its YaRN mix, in place.
    public func scale(_ frequencies: UnsafeMutablePointer<Float>, dims: Int, base: Float) {
        func correction(_ beta: Float) -> Float {
            Float(dims) * logf(Float(originalContext) / (beta * 2 * Float.pi)) / (2 * logf(base))
        }
        let low = max(0, floorf(correction(betaFast))), high = min(Float(dims - 1), ceilf(correction(betaSlow)))
        for i in 0..<dims / 2 {
            let ramp = 1 - min(1, max(0, (Float(i) - low) / max(0.001, high - low)))
            frequencies[i] *= (1 - ramp) / factor + ramp
        }
    }

    /// What cos and sin are multiplied by: 1 + 0.1·ln(factor), or with a log multiplier k,
    /// m(factor, 1) / m(factor, k) where m(s, k) = 1 + 0.1·k·ln s (llama.cpp's attn_factor).
    public var magnitude: Float {
        func m(_ k: Float) -> Float { 1 + 0.1 * k * logf(factor) }
        return logMultiplier != 0 ? m(1) / m(logMultiplier) : m(1)
    }
}

/// Llama-4-style attention temperature: the query of the token at position p is multiplied by
/// 1 + scale·ln(1 + ⌊p / length⌋).
public struct AttentionTemperature: Sendable, Equatable {
    public var scale: Float
    public var length: Int

    public func factor(position: Int) -> Float {
        1 + scale * logf(1 + Float(position / length))
    }
}

/// Errors loading or running a model: each names the key, tensor or architecture involved.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case unsupportedArchitecture(String)
    case missingMetadata(String)
    case invalidMetadata(String, String)
    case metadata(GGUFError)
    case missingTensor(String)
    case tensorShape(name: String, expected: [Int], found: [Int])
    case unsupportedTensorType(name: String, type: String)
    case contextFull(limit: Int)
    case invalidToken(Int32)
    case kernel(name: String, detail: String)
    /// Tensors in the file that the architecture does not use: running without them would give
    /// wrong outputs silently, so the file is refused (llama.cpp refuses it too).
    case unusedTensors(architecture: String, names: [String])
    /// The compute backend cannot run (no Vulkan driver, a model it does not support, a failed call).
    case backend(String)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let arch):
            "unsupported architecture '\(arch)' (supported: \(ArchSpec.all.keys.sorted().joined(separator: ", ")))"
        case .missingMetadata(let key): "model metadata key '\(key)' is missing"
        case .invalidMetadata(let key, let detail): "model metadata '\(key)' is invalid: \(detail)"
        case .metadata(let error): error.description
        case .missingTensor(let name): "the model has no tensor '\(name)'"
        case .tensorShape(let name, let expected, let found):
            "tensor '\(name)' has shape \(found), expected \(expected)"
        case .unsupportedTensorType(let name, let type): "tensor '\(name)' has type \(type), which has no kernel yet"
        case .contextFull(let limit): "the context is full (\(limit) tokens); start a new session or raise --ctx"
        case .invalidToken(let id): "token id \(id) is outside the vocabulary"
        case .kernel(let name, let detail): "kernel failed on '\(name)': \(detail)"
        case .backend(let detail): detail
        case .unusedTensors(let arch, let names):
            "architecture '\(arch)' does not use \(names.count == 1 ? "tensor" : "\(names.count) tensors") "
                + names.prefix(8).map { "'\($0)'" }.joined(separator: ", ") + (names.count > 8 ? ", …" : "")
                + ": the file is refused rather than run without \(names.count == 1 ? "it" : "them")"
        }
    }
}
