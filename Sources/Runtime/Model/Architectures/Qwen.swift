extension ArchSpec {
    /// Qwen2: NEOX RoPE, optional q/k/v biases and output bias.
    public static let qwen2 = ArchSpec(name: "qwen2", ropeStyle: .neox, optionalTensors: [.outputBias])

    /// Qwen3: NEOX RoPE, per-head QK-norm, head size independent of n_embd.
    public static let qwen3 = ArchSpec(name: "qwen3", ropeStyle: .neox, qkNorm: true)
}

extension ArchSpec {
    /// Qwen3-MoE: qwen3's attention, and in every layer top-k routed experts (softmax router,
    /// chosen weights renormalized); decode reads only the chosen experts' weights.
    public static let qwen3moe = ArchSpec(name: "qwen3moe", ropeStyle: .neox, qkNorm: true, expertFeedForward: true)
}
