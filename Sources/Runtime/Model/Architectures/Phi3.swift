extension ArchSpec {
    /// Phi-3: fused QKV and fused [gate; up] FFN, NEOX RoPE (possibly partial), optionally tied.
    public static let phi3 = ArchSpec(name: "phi3", ropeStyle: .neox, fusedQKV: true, fusedGateUp: true)
}
