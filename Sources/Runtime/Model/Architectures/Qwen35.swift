extension ArchSpec {
    /// Qwen 3.5: gated delta-net layers (linear attention with a recurrent state and a causal
    /// conv) between gated attention layers (QK-norm, sigmoid output gate, partial interleaved
    /// M-RoPE, which for text is NEOX on the rotated dims); the pre-FFN norm is named
    /// `post_attention_norm`.
    public static let qwen35 = ArchSpec(
        name: "qwen35", ropeStyle: .neox, qkNorm: true, layout: .qwen35, gatedAttention: true,
        ffnNormName: "post_attention_norm")
}
