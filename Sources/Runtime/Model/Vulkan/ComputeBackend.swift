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
