// swift-tools-version: 6.0
import PackageDescription

// A package that embeds swiftllm as a library user's would: a path dependency on the repository
// (outside it, `.package(url: "https://…/swiftllm", from: "0.2.0")`), public API only, and no
// settings of its own. How it is built decides the kernels it runs: see the README's "Use as a
// library". EmbeddingDemo uses the engine product alone (`SwiftLLMEngine`: no networking
// packages); scripts/testing/embedding_check.py builds and runs it in CI. The facade's example,
// Quickstart, is a target of the main package (Sources/Quickstart), so that it shares the
// project's build.
let package = Package(
    name: "Examples",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "swiftllm", path: "..")],
    targets: [
        .executableTarget(name: "EmbeddingDemo", dependencies: [.product(name: "SwiftLLMEngine", package: "swiftllm")]),
    ],
    swiftLanguageModes: [.v6]
)
