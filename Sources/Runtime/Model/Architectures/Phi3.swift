extension ArchSpec {
    /// Phi-3: fused QKV (`attn_qkv`, found by name as for any architecture) and fused [gate; up] FFN, NEOX RoPE (possibly partial), optionally tied.
    public static let phi3 = ArchSpec(name: "phi3", ropeStyle: .neox, fusedGateUp: true)
}
