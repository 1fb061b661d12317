extension ArchSpec {
    /// Ministral 3 (text): llama's tensors with YaRN RoPE and an attention temperature, both read
    /// from metadata (`ModelConfig.yarn`, `ModelConfig.attentionTemperature`). The MoE variant
    /// (`expert_count` > 0) is not supported: its expert tensors make the file refused.
    public static let mistral3 = ArchSpec(
        name: "mistral3", ropeStyle: .normal,
        optionalTensors: [.attentionOutputBias, .feedForwardBiases, .ropeFrequencyFactors])
}
