import ArgumentParser

/// `swiftllm bench …`: measurements (kernels now; whole models are another subcommand).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed: tensor kernels (and, later, whole models).",
        subcommands: [BenchKernels.self, BenchGrammar.self])
}
