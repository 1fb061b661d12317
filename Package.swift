// swift-tools-version: 6.0
import CompilerPluginSupport
import PackageDescription

// No unsafeFlags here, so the library stays usable as a dependency. Speed flags come from the build
// command (see scripts/build.sh): `-Xswiftc -target-cpu -Xswiftc native -Xswiftc -DSWIFTLLM_X86_SIMD`.
var package = Package(
    name: "swiftllm",
    platforms: [.macOS(.v14)],
    products: [
        // `import SwiftLLM`: the facade (LanguageModel, LanguageModelSession, @Generable, Tool, Agent);
        // the lower modules stay public for those who need them.
        .library(name: "SwiftLLM", targets: ["SwiftLLM", "Tensor", "GGUF", "Runtime", "Agent"]),
        // The OpenAI-compatible server as a library (Hummingbird, swift-prometheus).
        .library(name: "SwiftLLMServer", targets: ["Server"]),
        // The engine alone (GGUF, kernels, tokenizers, sessions, grammar): no networking packages to build.
        .library(name: "SwiftLLMEngine", targets: ["Tensor", "GGUF", "Runtime"]),
        // The target is not named `swiftllm`: on a case-insensitive file system its build folder
        // would be the facade's (`SwiftLLM`). The binary is still `swiftllm`.
        .executable(name: "swiftllm", targets: ["SwiftLLMCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        // Already in the graph through swift-sdk; named here because the SDK's `Transport` and
        // `StdioTransport` API speaks their types (`Logger`, `FileDescriptor`).
        .package(url: "https://github.com/apple/swift-log.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Already in the graph through async-http-client; named for its `ByteBuffer` and
        // `TimeAmount`, which the client's request and response API speaks.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // `swift package generate-documentation --target SwiftLLM` (the DocC catalog).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // For the @Generable and @Guide macros.
        .package(url: "https://github.com/swiftlang/swift-syntax", from: "603.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CVulkan", path: "Sources/CVulkan", pkgConfig: "vulkan",
            providers: [.apt(["libvulkan-dev"])]),
        .systemLibrary(name: "CPrefetch", path: "Sources/CPrefetch"),
        .target(name: "Tensor", dependencies: ["CBLAS", "CPrefetch", "CVulkan"]),
        .target(name: "GGUF", dependencies: ["Tensor"]),
        .target(name: "Runtime", dependencies: ["Tensor", "GGUF", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "Agent",
            dependencies: [
                "Runtime", .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .target(
            name: "Server",
            dependencies: [
                "Runtime", "Agent", "GGUF", "Tensor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .macro(
            name: "SwiftLLMMacros",
            dependencies: [
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ]),
        .target(name: "SwiftLLM", dependencies: ["Tensor", "GGUF", "Runtime", "Agent", "SwiftLLMMacros"]),
        .executableTarget(
            name: "SwiftLLMCLI",
            dependencies: [
                "Tensor", "GGUF", "Runtime", "Agent", "Server",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/swiftllm"),
        // The four things an app does with the facade (`import SwiftLLM` only): docs/GUIDE.md builds
        // it with `scripts/build.sh --product Quickstart`, and the tests' build (`swift test`) builds
        // it too, so CI checks it (scripts/testing/quickstart_check.py) without a second build of
        // the dependencies.
        .executableTarget(name: "Quickstart", dependencies: ["SwiftLLM"]),
        .target(name: "TestSupport", dependencies: ["Tensor", "GGUF", "Runtime"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF", "Runtime", "TestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["GGUF", "Runtime", "TestSupport"]),
        .testTarget(
            name: "AgentTests",
            dependencies: [
                "Agent", "Runtime", "TestSupport",
                // To inject an HTTPClient with a short connect timeout into RemoteClient.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        // Imports only SwiftLLM, as an app would.
        .testTarget(name: "SwiftLLMTests", dependencies: ["SwiftLLM"]),
        .testTarget(
            name: "SwiftLLMMacrosTests",
            dependencies: [
                "SwiftLLMMacros",
                .product(name: "SwiftSyntaxMacrosTestSupport", package: "swift-syntax"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)

// `SWIFTLLM_ENGINE_ONLY=1` (CI's build without speed flags): the engine and its tests only, so that
// build skips swift-syntax, SwiftNIO, BoringSSL, Hummingbird and the MCP SDK, which the kernel and
// tiny-model tests it runs do not use.
if Context.environment["SWIFTLLM_ENGINE_ONLY"] == "1" {
    let engine: Set<String> = ["CBLAS", "CVulkan", "CPrefetch", "Tensor", "GGUF", "Runtime", "TestSupport",
                               "TensorTests", "GGUFTests", "RuntimeTests"]
    package.targets.removeAll { !engine.contains($0.name) }
    package.products.removeAll { $0.name != "SwiftLLMEngine" }
    package.dependencies = [.package(url: "https://github.com/apple/swift-log.git", from: "1.5.0")]
}
