import CVulkan

/// One physical device as Vulkan reports it (`swiftllm devices`).
public struct VulkanDeviceInfo: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case discrete, integrated, virtual, cpu, other

        /// Preference when no device is named: discrete > integrated > virtual > CPU.
        var rank: Int {
            switch self {
            case .discrete: 0
            case .integrated: 1
            case .virtual: 2
            case .cpu: 3
            case .other: 4
            }
        }
    }

    /// The index `--device` takes.
    public let index: Int
    public let name: String
    public let kind: Kind
    /// "major.minor.patch" of the Vulkan API the driver offers.
    public let apiVersion: String
    /// The largest device-local memory heap, in bytes.
    public let deviceLocalBytes: UInt64
    /// Whether the device has a queue family with compute.
    public let hasCompute: Bool
}

/// A Vulkan instance and its physical devices.
final class VulkanInstance: @unchecked Sendable {
    // Immutable after init; destroyed with the last reference (after every device made from it).
    let handle: VkInstance
    let functions: InstanceFunctions
    let library: VulkanLibrary
    let physicalDevices: [VkPhysicalDevice]

    init() throws(VulkanError) {
        let library = try VulkanLibrary.shared.get()
        self.library = library
        let create: PFN_vkCreateInstance = try library.function("vkCreateInstance", instance: nil)
        var instance: VkInstance?
        let result: VkResult? = "swiftllm".withCString { name in
            var app = VkApplicationInfo()
            app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
            app.pApplicationName = name
            app.pEngineName = name
            app.apiVersion = (1 << 22) | (1 << 12)   // Vulkan 1.1
            return withUnsafePointer(to: &app) { appPointer in
                var info = VkInstanceCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
                info.pApplicationInfo = appPointer
                return create(&info, nil, &instance)
            }
        }
        // The loader answers "incompatible driver" when it found no driver at all.
        if result == VK_ERROR_INCOMPATIBLE_DRIVER { throw .noDevice }
        try vkCheck(result, "vkCreateInstance")
        guard let instance else { throw .call("vkCreateInstance", -3) }
        handle = instance
        let functions: InstanceFunctions
        do {
            functions = try InstanceFunctions(library, instance)
        } catch {
            if let destroy: PFN_vkDestroyInstance = try? library.function("vkDestroyInstance", instance: instance) {
                destroy(instance, nil)
            }
            throw error
        }
        self.functions = functions
        var count: UInt32 = 0
        var devices: [VkPhysicalDevice?] = []
        var listed = functions.enumeratePhysicalDevices(instance, &count, nil)
        if listed == VK_SUCCESS && count > 0 {
            devices = Array(repeating: nil, count: Int(count))
            listed = functions.enumeratePhysicalDevices(instance, &count, &devices)
        }
        physicalDevices = listed == VK_SUCCESS || listed == VK_INCOMPLETE ? devices.prefix(Int(count)).compactMap { $0 } : []
    }

    deinit { functions.destroyInstance(handle, nil) }

    func properties(_ device: VkPhysicalDevice) -> VkPhysicalDeviceProperties {
        var properties = VkPhysicalDeviceProperties()
        functions.getPhysicalDeviceProperties(device, &properties)
        return properties
    }

    func memoryProperties(_ device: VkPhysicalDevice) -> VkPhysicalDeviceMemoryProperties {
        var memory = VkPhysicalDeviceMemoryProperties()
        functions.getPhysicalDeviceMemoryProperties(device, &memory)
        return memory
    }

    /// The compute queue family to use (a compute-only one first), and how many bits of its
    /// timestamps are valid (0: the queue cannot write timestamps); nil when none has compute.
    func computeQueue(_ device: VkPhysicalDevice) -> (family: UInt32, timestampBits: UInt32)? {
        var count: UInt32 = 0
        functions.getPhysicalDeviceQueueFamilyProperties(device, &count, nil)
        var families = [VkQueueFamilyProperties](repeating: VkQueueFamilyProperties(), count: Int(count))
        functions.getPhysicalDeviceQueueFamilyProperties(device, &count, &families)
        let compute = UInt32(VK_QUEUE_COMPUTE_BIT.rawValue)
        // A compute-only family first (a dedicated compute queue), then any with compute.
        let graphics = UInt32(VK_QUEUE_GRAPHICS_BIT.rawValue)
        guard let index = families.indices.first(where: { families[$0].queueFlags & compute != 0 && families[$0].queueFlags & graphics == 0 })
            ?? families.indices.first(where: { families[$0].queueFlags & compute != 0 }) else { return nil }
        return (UInt32(index), families[index].timestampValidBits)
    }

    func info(_ index: Int) -> VulkanDeviceInfo {
        let device = physicalDevices[index]
        let p = properties(device)
        let name = withUnsafeBytes(of: p.deviceName) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let kind: VulkanDeviceInfo.Kind = switch p.deviceType {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: .discrete
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: .integrated
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: .virtual
        case VK_PHYSICAL_DEVICE_TYPE_CPU: .cpu
        default: .other
        }
        let v = p.apiVersion
        let memory = memoryProperties(device)
        let heaps = withUnsafeBytes(of: memory.memoryHeaps) { Array($0.bindMemory(to: VkMemoryHeap.self).prefix(Int(memory.memoryHeapCount))) }
        let local = heaps.filter { $0.flags & UInt32(VK_MEMORY_HEAP_DEVICE_LOCAL_BIT.rawValue) != 0 }.map(\.size).max() ?? 0
        return VulkanDeviceInfo(index: index, name: name, kind: kind,
                                apiVersion: "\(v >> 22).\((v >> 12) & 0x3ff).\(v & 0xfff)",
                                deviceLocalBytes: local, hasCompute: computeQueue(device) != nil)
    }
}

/// Entry points that need no device.
public enum Vulkan {
    /// The devices the Vulkan loader sees, in its order (the indices `--device` takes).
    public static func devices() throws(VulkanError) -> [VulkanDeviceInfo] {
        let instance = try VulkanInstance()
        return instance.physicalDevices.indices.map { instance.info($0) }
    }
}
