#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CVulkan

/// The Vulkan loader, opened with `dlopen` on first use: the binary does not link it, so it runs
/// where no loader is installed and only `--backend vulkan` reports that one is missing.
final class VulkanLibrary: @unchecked Sendable {
    // Immutable after init; the handle stays open for the process's lifetime.
    let getInstanceProcAddr: PFN_vkGetInstanceProcAddr

    /// The loader, or why it cannot be opened (tried once per process).
    static let shared: Result<VulkanLibrary, VulkanError> = {
        do throws(VulkanError) { return .success(try VulkanLibrary()) } catch { return .failure(error) }
    }()

    private init() throws(VulkanError) {
        #if os(macOS)
        let names = ["libvulkan.1.dylib", "libMoltenVK.dylib"]
        #else
        let names = ["libvulkan.so.1", "libvulkan.so"]
        #endif
        var lastError = "not found"
        for name in names {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                if let message = dlerror() { lastError = String(cString: message) }
                continue
            }
            guard let symbol = dlsym(handle, "vkGetInstanceProcAddr") else {
                throw .missingFunction("vkGetInstanceProcAddr")
            }
            getInstanceProcAddr = unsafeBitCast(symbol, to: PFN_vkGetInstanceProcAddr.self)
            return
        }
        throw .loaderMissing(lastError)
    }

    /// An instance-level (or global, with a nil instance) function; throws when the loader has none.
    func function<F>(_ name: String, instance: VkInstance?) throws(VulkanError) -> F {
        try resolve(name) { getInstanceProcAddr(instance, $0) }
    }
}

/// The function `lookup` (a `vkGet…ProcAddr`) gives for `name`, as type `F`; throws when it gives none.
func resolve<F>(_ name: String, _ lookup: (UnsafePointer<CChar>) -> PFN_vkVoidFunction?) throws(VulkanError) -> F {
    guard let raw = name.withCString(lookup) else { throw .missingFunction(name) }
    return unsafeBitCast(raw, to: F.self)
}

/// The instance-level functions the backend calls.
struct InstanceFunctions {
    let destroyInstance: PFN_vkDestroyInstance
    let enumeratePhysicalDevices: PFN_vkEnumeratePhysicalDevices
    let getPhysicalDeviceProperties: PFN_vkGetPhysicalDeviceProperties
    let getPhysicalDeviceMemoryProperties: PFN_vkGetPhysicalDeviceMemoryProperties
    let getPhysicalDeviceQueueFamilyProperties: PFN_vkGetPhysicalDeviceQueueFamilyProperties
    let createDevice: PFN_vkCreateDevice
    let getDeviceProcAddr: PFN_vkGetDeviceProcAddr

    init(_ library: VulkanLibrary, _ instance: VkInstance) throws(VulkanError) {
        destroyInstance = try library.function("vkDestroyInstance", instance: instance)
        enumeratePhysicalDevices = try library.function("vkEnumeratePhysicalDevices", instance: instance)
        getPhysicalDeviceProperties = try library.function("vkGetPhysicalDeviceProperties", instance: instance)
        getPhysicalDeviceMemoryProperties = try library.function("vkGetPhysicalDeviceMemoryProperties", instance: instance)
        getPhysicalDeviceQueueFamilyProperties = try library.function("vkGetPhysicalDeviceQueueFamilyProperties", instance: instance)
        createDevice = try library.function("vkCreateDevice", instance: instance)
        getDeviceProcAddr = try library.function("vkGetDeviceProcAddr", instance: instance)
    }
}

/// The device-level functions the backend calls, loaded through `vkGetDeviceProcAddr`.
struct DeviceFunctions {
    let destroyDevice: PFN_vkDestroyDevice
    let deviceWaitIdle: PFN_vkDeviceWaitIdle
    let getDeviceQueue: PFN_vkGetDeviceQueue
    let createBuffer: PFN_vkCreateBuffer
    let destroyBuffer: PFN_vkDestroyBuffer
    let getBufferMemoryRequirements: PFN_vkGetBufferMemoryRequirements
    let allocateMemory: PFN_vkAllocateMemory
    let freeMemory: PFN_vkFreeMemory
    let bindBufferMemory: PFN_vkBindBufferMemory
    let mapMemory: PFN_vkMapMemory
    let createShaderModule: PFN_vkCreateShaderModule
    let destroyShaderModule: PFN_vkDestroyShaderModule
    let createDescriptorSetLayout: PFN_vkCreateDescriptorSetLayout
    let destroyDescriptorSetLayout: PFN_vkDestroyDescriptorSetLayout
    let createPipelineLayout: PFN_vkCreatePipelineLayout
    let destroyPipelineLayout: PFN_vkDestroyPipelineLayout
    let createComputePipelines: PFN_vkCreateComputePipelines
    let destroyPipeline: PFN_vkDestroyPipeline
    let createDescriptorPool: PFN_vkCreateDescriptorPool
    let destroyDescriptorPool: PFN_vkDestroyDescriptorPool
    let allocateDescriptorSets: PFN_vkAllocateDescriptorSets
    let updateDescriptorSets: PFN_vkUpdateDescriptorSets
    let createCommandPool: PFN_vkCreateCommandPool
    let destroyCommandPool: PFN_vkDestroyCommandPool
    let allocateCommandBuffers: PFN_vkAllocateCommandBuffers
    let beginCommandBuffer: PFN_vkBeginCommandBuffer
    let endCommandBuffer: PFN_vkEndCommandBuffer
    let resetCommandBuffer: PFN_vkResetCommandBuffer
    let cmdBindPipeline: PFN_vkCmdBindPipeline
    let cmdBindDescriptorSets: PFN_vkCmdBindDescriptorSets
    let cmdPushConstants: PFN_vkCmdPushConstants
    let cmdDispatch: PFN_vkCmdDispatch
    let cmdPipelineBarrier: PFN_vkCmdPipelineBarrier
    let cmdCopyBuffer: PFN_vkCmdCopyBuffer
    let cmdResetQueryPool: PFN_vkCmdResetQueryPool
    let cmdWriteTimestamp: PFN_vkCmdWriteTimestamp
    let createQueryPool: PFN_vkCreateQueryPool
    let destroyQueryPool: PFN_vkDestroyQueryPool
    let getQueryPoolResults: PFN_vkGetQueryPoolResults
    let createFence: PFN_vkCreateFence
    let destroyFence: PFN_vkDestroyFence
    let resetFences: PFN_vkResetFences
    let waitForFences: PFN_vkWaitForFences
    let queueSubmit: PFN_vkQueueSubmit

    init(_ instance: InstanceFunctions, _ device: VkDevice) throws(VulkanError) {
        func load<F>(_ name: String) throws(VulkanError) -> F {
            try resolve(name) { instance.getDeviceProcAddr(device, $0) }
        }
        destroyDevice = try load("vkDestroyDevice")
        deviceWaitIdle = try load("vkDeviceWaitIdle")
        getDeviceQueue = try load("vkGetDeviceQueue")
        createBuffer = try load("vkCreateBuffer")
        destroyBuffer = try load("vkDestroyBuffer")
        getBufferMemoryRequirements = try load("vkGetBufferMemoryRequirements")
        allocateMemory = try load("vkAllocateMemory")
        freeMemory = try load("vkFreeMemory")
        bindBufferMemory = try load("vkBindBufferMemory")
        mapMemory = try load("vkMapMemory")
        createShaderModule = try load("vkCreateShaderModule")
        destroyShaderModule = try load("vkDestroyShaderModule")
        createDescriptorSetLayout = try load("vkCreateDescriptorSetLayout")
        destroyDescriptorSetLayout = try load("vkDestroyDescriptorSetLayout")
        createPipelineLayout = try load("vkCreatePipelineLayout")
        destroyPipelineLayout = try load("vkDestroyPipelineLayout")
        createComputePipelines = try load("vkCreateComputePipelines")
        destroyPipeline = try load("vkDestroyPipeline")
        createDescriptorPool = try load("vkCreateDescriptorPool")
        destroyDescriptorPool = try load("vkDestroyDescriptorPool")
        allocateDescriptorSets = try load("vkAllocateDescriptorSets")
        updateDescriptorSets = try load("vkUpdateDescriptorSets")
        createCommandPool = try load("vkCreateCommandPool")
        destroyCommandPool = try load("vkDestroyCommandPool")
        allocateCommandBuffers = try load("vkAllocateCommandBuffers")
        beginCommandBuffer = try load("vkBeginCommandBuffer")
        endCommandBuffer = try load("vkEndCommandBuffer")
        resetCommandBuffer = try load("vkResetCommandBuffer")
        cmdBindPipeline = try load("vkCmdBindPipeline")
        cmdBindDescriptorSets = try load("vkCmdBindDescriptorSets")
        cmdPushConstants = try load("vkCmdPushConstants")
        cmdDispatch = try load("vkCmdDispatch")
        cmdPipelineBarrier = try load("vkCmdPipelineBarrier")
        cmdCopyBuffer = try load("vkCmdCopyBuffer")
        cmdResetQueryPool = try load("vkCmdResetQueryPool")
        cmdWriteTimestamp = try load("vkCmdWriteTimestamp")
        createQueryPool = try load("vkCreateQueryPool")
        destroyQueryPool = try load("vkDestroyQueryPool")
        getQueryPoolResults = try load("vkGetQueryPoolResults")
        createFence = try load("vkCreateFence")
        destroyFence = try load("vkDestroyFence")
        resetFences = try load("vkResetFences")
        waitForFences = try load("vkWaitForFences")
        queueSubmit = try load("vkQueueSubmit")
    }
}
