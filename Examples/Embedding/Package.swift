// swift-tools-version: 6.0
import PackageDescription

// A package that embeds swiftllm as a library user would: a path dependency on the repository
// (use `.package(url: "https://…/swiftllm", branch: "main")` outside it), the engine product only,
// and no settings of its own. How it is built decides the kernels it runs: see the README's
// "Use as a library".
let package = Package(
    name: "EmbeddingDemo",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "swiftllm", path: "../..")],
    targets: [
        .executableTarget(
            name: "EmbeddingDemo",
            dependencies: [.product(name: "SwiftLLMEngine", package: "swiftllm")]),
    ],
    swiftLanguageModes: [.v6]
)
