import ArgumentParser

/// `swiftllm bench …`: measurements (`bench [model] -m FILE`: whole model, like llama-bench; `bench kernels`).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed: a whole model (the default) or the tensor kernels.",
        subcommands: [BenchModel.self, BenchKernels.self],
        defaultSubcommand: BenchModel.self)
}
