extension ArchSpec {
    /// Gemma 3: embeddings × √d, pre- and post-norms around attention and FFN, QK-norm, GELU-tanh
    /// gated FFN, five sliding-window layers (RoPE base 10k) for each global one, tied embeddings.
    /// The GGUF converter already stores Gemma's RMSNorm gains as (1 + w), so norms multiply as usual.
    public static let gemma3 = ArchSpec(
        name: "gemma3", ropeStyle: .neox, activation: .geluTanh, qkNorm: true, postNorms: true,
        scaleEmbeddingBySqrtDim: true,
        slidingWindow: SlidingWindowPattern(period: 6, localRopeBase: 10_000))
}
