// swift-tools-version: 6.0
import PackageDescription

// Packages that embed swiftllm as a library user would: a path dependency on the repository
// (outside it, `.package(url: "https://…/swiftllm", from: "0.2.0")`), public API only, and no
// settings of their own. How it is built decides the kernels it runs: see the README's "Use as a
// library".
// - Quickstart: the `SwiftLLM` product (the facade): a generation, a @Generable value, a chat and
//   an agent run with a custom tool and a remote.
// - EmbeddingDemo: the engine product alone (`SwiftLLMEngine`: no networking packages).
let package = Package(
    name: "Examples",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "swiftllm", path: "..")],
    targets: [
        .executableTarget(name: "Quickstart", dependencies: [.product(name: "SwiftLLM", package: "swiftllm")]),
        .executableTarget(name: "EmbeddingDemo", dependencies: [.product(name: "SwiftLLMEngine", package: "swiftllm")]),
    ],
    swiftLanguageModes: [.v6]
)
