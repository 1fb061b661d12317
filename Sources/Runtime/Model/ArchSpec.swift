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
    /// One `attn_qkv` tensor with rows [Q; K; V] instead of three.
    public var fusedQKV = false
    /// One `ffn_up` tensor with rows [gate; up] instead of `ffn_gate` + `ffn_up`.
    public var fusedGateUp = false
    /// Multiply embeddings by √n_embd (gemma).
    public var scaleEmbeddingBySqrtDim = false
    /// Interleaved local/global attention (gemma3); the window size comes from metadata.
    public var slidingWindow: SlidingWindowPattern?
    /// Whether the model may leave out `output.weight` and reuse `token_embd.weight`.
    public var allowsTiedEmbeddings = true

    /// The architectures this engine runs, by `general.architecture`.
    public static let all: [String: ArchSpec] = Dictionary(
        uniqueKeysWithValues: [ArchSpec.llama, .gemma3, .qwen2, .qwen3, .phi3].map { ($0.name, $0) })
}
