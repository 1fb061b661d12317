extension ArchSpec {
    /// Gemma 4: gemma3's block (embeddings × √d, QK-norm, post-norms, GELU-tanh) with per-layer
    /// sliding-window/full head sizes and RoPE (full layers rotate through `rope_freqs`), the last
    /// layers sharing earlier layers' KV, V-norm (V = K when `attn_v` is absent), attention scale 1,
    /// per-layer token inputs and output scales. The converter stores norm gains unchanged.
    public static let gemma4 = ArchSpec(
        name: "gemma4", ropeStyle: .neox, activation: .geluTanh, qkNorm: true, postNorms: true,
        scaleEmbeddingBySqrtDim: true, optionalTensors: [.ropeFrequencyFactors],
        layout: .gemma4, valueNorm: true, unscaledAttention: true, perLayerInputs: true)
}
