extension ArchSpec {
    /// Llama (and SmolLM2): GQA, NORM RoPE, SwiGLU, optionally tied embeddings; as in llama.cpp,
    /// optional attention-output and FFN biases and Llama 3's RoPE frequency factors.
    public static let llama = ArchSpec(
        name: "llama", ropeStyle: .normal,
        optionalTensors: [.attentionOutputBias, .feedForwardBiases, .ropeFrequencyFactors])
}
