import ArgumentParser
import Runtime

/// `--backend cpu|vulkan` and `--device N`, shared by the commands that run a model.
struct BackendOptions: ParsableArguments {
    @Option(help: "Where the forward passes run: cpu, or vulkan (a GPU, or lavapipe on the CPU).")
    var backend: String = "cpu"

    @Option(help: "The Vulkan device to use, as `swiftllm devices` numbers them (default: discrete > integrated > CPU).")
    var device: Int?

    func validate() throws {
        guard backend == "cpu" || backend == "vulkan" else { throw ValidationError("--backend must be cpu or vulkan, not '\(backend)'") }
        if device != nil && backend != "vulkan" { throw ValidationError("--device needs --backend vulkan") }
    }

    var computeBackend: ComputeBackend { backend == "vulkan" ? .vulkan(device: device) : .cpu }
}
