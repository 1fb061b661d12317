extension ArchSpec {
    /// SmolLM3: llama with RoPE left out of every fourth layer (NoPE layers 3, 7, 11, …). No
    /// metadata key says so: llama.cpp applies the rule to the architecture name, and so do we.
    public static let smollm3 = ArchSpec(
        name: "smollm3", ropeStyle: .normal,
        optionalTensors: [.attentionOutputBias, .feedForwardBiases], noRopeLayerStep: 4)
}
