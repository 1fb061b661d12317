extension ArchSpec {
    /// Liquid LFM2: gated short-convolution layers (`shortconv.*`, where `head_count_kv` is 0)
    /// between QK-normed attention layers, NEOX RoPE, SwiGLU, tied embeddings, final norm named
    /// `token_embd_norm`.
    public static let lfm2 = ArchSpec(
        name: "lfm2", ropeStyle: .neox, qkNorm: true, layout: .lfm2, outputNormName: "token_embd_norm")
}
