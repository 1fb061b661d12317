/// How RoPE pairs up the dimensions of a head.
public enum RopeStyle: String, Sendable, Codable {
    /// llama.cpp's NORM: adjacent pairs (2i, 2i+1).
    case normal
    /// llama.cpp's NEOX: pairs (i, i + nRot/2).
    case neox
}

/// The gated FFN's activation.
public enum Activation: String, Sendable, Codable {
    case silu
    /// GELU with the tanh approximation.
    case geluTanh
}

/// Which layers use sliding-window attention, and with which RoPE base.
public struct SlidingWindowPattern: Sendable, Equatable, Codable {
    /// Every `period`-th layer (the last of each group) is global; the others are local.
    public var period: Int
    /// RoPE base of the local (sliding-window) layers; global layers use `{arch}.rope.freq_base`.
    public var localRopeBase: Float

    public func isLocal(layer: Int) -> Bool { (layer + 1) % period != 0 }
}

/// Tensors an architecture may carry beyond its required ones (llama.cpp's `TENSOR_NOT_REQUIRED`
/// entries for that architecture). Every architecture also accepts a fused `attn_qkv` (with or
/// without its bias) in place of `attn_q`/`attn_k`/`attn_v`, and optional q/k/v biases.
public enum OptionalTensor: String, Sendable, Hashable, CaseIterable {
    /// `blk.N.attn_output.bias` (n_embd).
    case attentionOutputBias
    /// `blk.N.ffn_gate.bias`, `ffn_up.bias` (n_ff) and `ffn_down.bias` (n_embd).
    case feedForwardBiases
    /// `output.bias` (n_vocab).
    case outputBias
    /// `rope_freqs.weight` (n_rot/2): per-pair frequency divisors (Llama 3.1+ RoPE scaling).
    case ropeFrequencyFactors
}

/// Where a model's per-layer shape comes from.
public enum LayerLayout: String, Sendable, Equatable {
    /// Every layer is attention with the model-wide shape.
    case uniform
    /// gemma4: `attention.sliding_window_pattern` (bool per layer) picks sliding-window layers with
    /// their own head size, RoPE dims and base (`*_swa` keys); `head_count_kv` and
    /// `feed_forward_length` may be per-layer arrays; the last `attention.shared_kv_layers`
    /// layers read the KV of the last sliding-window or full layer that has its own.
    case gemma4
    /// lfm2: a layer whose `attention.head_count_kv` entry is 0 is a gated short convolution.
    case lfm2
    /// qwen35: `attention.recurrent_layers` (or every layer but each `full_attention_interval`-th)
    /// are gated delta-net layers.
    case qwen35
}

/// An architecture as data: which optional parts a transformer block has and how they are wired.
/// `ModelConfig` reads the numbers from GGUF metadata; one generic block (`Model+Forward`)
/// interprets both. A new architecture is one small file in `Architectures/`.
public struct ArchSpec: Sendable, Equatable {
    /// `general.architecture` value.
    public var name: String
    public var ropeStyle: RopeStyle
    public var activation: Activation = .silu
    /// Per-head RMSNorm of Q and K before RoPE (`attn_q_norm`, `attn_k_norm`).
    public var qkNorm = false
    /// RMSNorm of the attention and FFN outputs before the residual add (gemma3).
    public var postNorms = false
    /// One `ffn_up` tensor with rows [gate; up] instead of `ffn_gate` + `ffn_up`.
    public var fusedGateUp = false
    /// Multiply embeddings by √n_embd (gemma).
    public var scaleEmbeddingBySqrtDim = false
    /// Interleaved local/global attention (gemma3); the window size comes from metadata.
    public var slidingWindow: SlidingWindowPattern?
    /// Whether the model may leave out `output.weight` and reuse `token_embd.weight`.
    public var allowsTiedEmbeddings = true
    /// Tensors the file may add (see `OptionalTensor`); any other tensor makes the file refused.
    public var optionalTensors: Set<OptionalTensor> = []
    /// Layers whose index + 1 is a multiple of this apply no RoPE (smollm3: 4); nil: all do.
    public var noRopeLayerStep: Int? = nil
    /// Per-layer layout read from metadata arrays (gemma4, lfm2, qwen35): see `LayerConfig`.
    public var layout: LayerLayout = .uniform
    /// RMSNorm of each V head without a gain, and V = K when `attn_v` is absent (gemma4).
    public var valueNorm = false
    /// Attention scores are not scaled by 1/√head_dim (gemma4 scales by 1).
    public var unscaledAttention = false
    /// `attn_q` rows are [query; gate] per head and the attention output is multiplied by
    /// sigmoid(gate) (qwen35).
    public var gatedAttention = false
    /// Name of the pre-FFN norm (`ffn_norm`; qwen35 calls it `post_attention_norm`).
    public var ffnNormName = "ffn_norm"
    /// Name of the final norm (`output_norm`; lfm2 calls it `token_embd_norm`).
    public var outputNormName = "output_norm"
    /// A mixture-of-experts FFN in every layer (`ffn_gate_inp`, `ffn_*_exps`), top-k of a softmax
    /// router with the chosen weights renormalized (qwen3moe).
    public var expertFeedForward = false
    /// Per-layer token inputs (`per_layer_token_embd`, `inp_gate`, `proj`, `post_norm`) and an
    /// optional scalar `layer_output_scale` per layer (gemma4).
    public var perLayerInputs = false

    /// Whether `layer` rotates Q and K.
    public func appliesRoPE(layer: Int) -> Bool {
        guard let step = noRopeLayerStep, step > 0 else { return true }
        return (layer + 1) % step != 0
    }

    /// The architectures this engine runs, by `general.architecture`.
    public static let all: [String: ArchSpec] = Dictionary(
        uniqueKeysWithValues: [ArchSpec.llama, .gemma3, .qwen2, .qwen3, .phi3, .smollm3, .mistral3, .gemma4, .lfm2, .qwen35, .qwen3moe].map { ($0.name, $0) })
}
