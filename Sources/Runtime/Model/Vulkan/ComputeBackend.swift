import Tensor

/// Where a model's forward passes run.
public enum ComputeBackend: Sendable, Equatable, CustomStringConvertible {
    /// The SIMD and BLAS kernels on this machine's cores (the default).
    case cpu
    /// A Vulkan device: `device` as `Vulkan.devices()` lists them, or nil for the preferred one
    /// (discrete > integrated > virtual > CPU implementation).
    case vulkan(device: Int?)

    public var description: String {
        switch self {
        case .cpu: "cpu"
        case .vulkan(let device): device.map { "vulkan (device \($0))" } ?? "vulkan"
        }
    }
}

extension Model {
    /// Starts timing every shader dispatch of the model's device passes (timestamp queries),
    /// from zero. Throws `ModelError.backend` on the CPU backend, or when the device cannot
    /// write timestamps.
    public func startProfiling() throws(ModelError) {
        guard let gpu = accelerator.model else { throw .backend("profiling times device passes: it needs the Vulkan backend") }
        gpu.lock.lock()
        defer { gpu.lock.unlock() }
        do {
            try gpu.device.startProfiling()
        } catch {
            throw .backend(error.description)
        }
    }

    /// Device time per shader since `startProfiling()`, longest first; nil when not profiling.
    public var deviceProfile: [VulkanOpTiming]? {
        guard let gpu = accelerator.model else { return nil }
        gpu.lock.lock()
        defer { gpu.lock.unlock() }
        return gpu.device.profile
    }
}
