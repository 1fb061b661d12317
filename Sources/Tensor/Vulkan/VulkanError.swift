import CVulkan

/// Why the Vulkan backend cannot run: each case reads as one line for the user.
public enum VulkanError: Error, Sendable, CustomStringConvertible, Equatable {
    /// No Vulkan loader (`libvulkan.so.1`) could be opened.
    case loaderMissing(String)
    /// The loader lacks a function the backend needs.
    case missingFunction(String)
    /// The loader found no device, or none with a compute queue.
    case noDevice
    /// `--device N` named a device that does not exist.
    case deviceIndex(Int, count: Int)
    /// A Vulkan call failed.
    case call(String, Int32)
    /// The device cannot run what was asked (a limit, a memory type, a shader feature).
    case unsupported(String)

    public var description: String {
        switch self {
        case .loaderMissing(let detail): "no Vulkan loader: \(detail) (install libvulkan1 and a driver, e.g. mesa-vulkan-drivers)"
        case .missingFunction(let name): "the Vulkan loader lacks \(name)"
        case .noDevice: "Vulkan found no device with a compute queue (install a driver, e.g. mesa-vulkan-drivers)"
        case .deviceIndex(let index, let count): "no Vulkan device \(index): there \(count == 1 ? "is 1 device" : "are \(count) devices") (see `swiftllm devices`)"
        case .call(let name, let code): "\(name) failed: \(VulkanError.resultName(code))"
        case .unsupported(let detail): "the Vulkan device cannot run this: \(detail)"
        }
    }

    static func resultName(_ code: Int32) -> String {
        switch code {
        case -1: "VK_ERROR_OUT_OF_HOST_MEMORY"
        case -2: "VK_ERROR_OUT_OF_DEVICE_MEMORY"
        case -3: "VK_ERROR_INITIALIZATION_FAILED"
        case -4: "VK_ERROR_DEVICE_LOST"
        case -5: "VK_ERROR_MEMORY_MAP_FAILED"
        case -6: "VK_ERROR_LAYER_NOT_PRESENT"
        case -7: "VK_ERROR_EXTENSION_NOT_PRESENT"
        case -8: "VK_ERROR_FEATURE_NOT_PRESENT"
        case -9: "VK_ERROR_INCOMPATIBLE_DRIVER"
        case -10: "VK_ERROR_TOO_MANY_OBJECTS"
        case 2: "VK_TIMEOUT"
        default: "VkResult \(code)"
        }
    }
}

/// Throws `VulkanError.call` unless `result` is VK_SUCCESS; nil (a function not loaded) fails too.
@inline(__always)
func vkCheck(_ result: VkResult?, _ name: String) throws(VulkanError) {
    guard let result else { throw .missingFunction(name) }
    guard result == VK_SUCCESS else { throw .call(name, result.rawValue) }
}
