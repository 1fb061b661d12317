import ArgumentParser

/// `swiftllm bench …`: measurements (`bench [model] -m FILE`: whole model, like llama-bench;
/// `bench kernels`; `bench grammar`).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed: a whole model (the default), the tensor kernels or grammar masks.",
        subcommands: [BenchModel.self, BenchKernels.self, BenchGrammar.self],
        defaultSubcommand: BenchModel.self)
}
