extension ArchSpec {
    /// Llama (and SmolLM2): GQA, NORM RoPE, SwiGLU, optionally tied embeddings.
    public static let llama = ArchSpec(name: "llama", ropeStyle: .normal)
}
