import CVulkan

/// A logical Vulkan device with one compute queue: buffers, pipelines, descriptor sets and
/// command submission. Used by one forward pass at a time (the caller serialises).
public final class VulkanDevice: @unchecked Sendable {
    // Mutable state (pipeline cache, descriptor pools, the command buffer) is touched by one
    // caller at a time, as documented; Vulkan handles are destroyed in deinit.
    let core: VulkanDeviceCore
    let physical: VkPhysicalDevice
    var handle: VkDevice { core.handle }
    var f: DeviceFunctions { core.f }
    let queue: VkQueue
    public let info: VulkanDeviceInfo
    let limits: VkPhysicalDeviceLimits
    let memory: VkPhysicalDeviceMemoryProperties
    private let commandPool: VkCommandPool
    let commandBuffer: VkCommandBuffer
    private let fence: VkFence
    private var pipelines: [String: VulkanPipeline] = [:]
    private var descriptorPools: [VulkanDescriptorPool] = []
    /// Valid bits of the compute queue's timestamps (0: none).
    let timestampBits: UInt32
    /// Set while profiling: timestamps around every dispatch and copy (`startProfiling`).
    var profiler: VulkanProfiler?

    /// Opens device `index` (as `Vulkan.devices()` lists them), or the preferred one: discrete >
    /// integrated > virtual > CPU implementation.
    public init(index: Int? = nil) throws(VulkanError) {
        let instance = try VulkanInstance()
        let count = instance.physicalDevices.count
        let candidates = instance.physicalDevices.indices.map { instance.info($0) }.filter(\.hasCompute)
        let chosen: VulkanDeviceInfo
        if let index {
            guard index >= 0 && index < count else { throw .deviceIndex(index, count: count) }
            let named = instance.info(index)
            guard named.hasCompute else { throw .unsupported("device \(index) (\(named.name)) has no compute queue") }
            chosen = named
        } else {
            guard let best = candidates.min(by: { ($0.kind.rank, $0.index) < ($1.kind.rank, $1.index) }) else { throw .noDevice }
            chosen = best
        }
        info = chosen
        let physical = instance.physicalDevices[chosen.index]
        self.physical = physical
        let properties = instance.properties(physical)
        limits = properties.limits
        memory = instance.memoryProperties(physical)
        guard let (family, timestampBits) = instance.computeQueue(physical) else { throw .noDevice }
        self.timestampBits = timestampBits
        var device: VkDevice?
        var priority: Float = 1
        let created: VkResult? = withUnsafePointer(to: &priority) { priorityPointer in
            var queueInfo = VkDeviceQueueCreateInfo()
            queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
            queueInfo.queueFamilyIndex = family
            queueInfo.queueCount = 1
            queueInfo.pQueuePriorities = priorityPointer
            return withUnsafePointer(to: &queueInfo) { queuePointer in
                var info = VkDeviceCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                info.queueCreateInfoCount = 1
                info.pQueueCreateInfos = queuePointer
                return instance.functions.createDevice(physical, &info, nil, &device)
            }
        }
        try vkCheck(created, "vkCreateDevice")
        guard let device else { throw .call("vkCreateDevice", -3) }
        // Without the table there is no vkDestroyDevice to call: the device leaks with the error.
        let f = try DeviceFunctions(instance.functions, device)
        let core = VulkanDeviceCore(instance: instance, handle: device, f: f)
        self.core = core
        var queue: VkQueue?
        f.getDeviceQueue(device, family, 0, &queue)
        var poolInfo = VkCommandPoolCreateInfo()
        poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
        poolInfo.flags = UInt32(VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT.rawValue)
        poolInfo.queueFamilyIndex = family
        var pool: VkCommandPool?
        let poolResult = f.createCommandPool(device, &poolInfo, nil, &pool)
        var allocate = VkCommandBufferAllocateInfo()
        allocate.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        allocate.commandPool = pool
        allocate.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        allocate.commandBufferCount = 1
        var buffer: VkCommandBuffer?
        let bufferResult = pool == nil ? nil : f.allocateCommandBuffers(device, &allocate, &buffer)
        var fenceInfo = VkFenceCreateInfo()
        fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        var fence: VkFence?
        let fenceResult = f.createFence(device, &fenceInfo, nil, &fence)
        guard let queue, let pool, let buffer, let fence, poolResult == VK_SUCCESS, bufferResult == VK_SUCCESS,
              fenceResult == VK_SUCCESS else {
            if let fence { f.destroyFence(device, fence, nil) }
            if let pool { f.destroyCommandPool(device, pool, nil) }
            throw .call("creating the command pool, buffer and fence", [fenceResult, bufferResult ?? VK_ERROR_INITIALIZATION_FAILED, poolResult].first { $0 != VK_SUCCESS }?.rawValue ?? -3)
        }
        self.queue = queue
        commandPool = pool
        commandBuffer = buffer
        self.fence = fence
    }

    deinit {
        _ = f.deviceWaitIdle(handle)
        f.destroyFence(handle, fence, nil)
        f.destroyCommandPool(handle, commandPool, nil)
        // The VkDevice goes with the core, after the last pipeline and buffer that hold it.
    }

    // MARK: memory

    /// A memory type index allowed by `bits` with all of `required` (and ideally `preferred`).
    func memoryType(bits: UInt32, required: UInt32, preferred: UInt32 = 0) -> UInt32? {
        let types = withUnsafeBytes(of: memory.memoryTypes) {
            Array($0.bindMemory(to: VkMemoryType.self).prefix(Int(memory.memoryTypeCount)))
        }
        let allowed = types.indices.filter { bits & (1 << UInt32($0)) != 0 && types[$0].propertyFlags & required == required }
        return (allowed.first { types[$0].propertyFlags & preferred == preferred } ?? allowed.first).map(UInt32.init)
    }

    /// Rows per matvec workgroup on this device: 16 on CPU implementations (lavapipe), whose
    /// cost is mostly per workgroup, 4 on GPUs.
    public var matvecRowsPerGroup: Int { info.kind == .cpu ? 16 : 4 }

    /// The largest single buffer the device promises to bind as storage.
    public var maxStorageBytes: Int { Int(limits.maxStorageBufferRange) }

    // MARK: pipelines and descriptor sets

    /// The pipeline of `kernel` (made on first use, then cached).
    func pipeline(_ kernel: VulkanKernel) throws(VulkanError) -> VulkanPipeline {
        if let made = pipelines[kernel.key] { return made }
        let made = try VulkanPipeline(device: self, kernel: kernel)
        pipelines[kernel.key] = made
        return made
    }

    /// A descriptor set for `pipeline` with `buffers` at bindings 0, 1, … from the device's own
    /// pools, which live as long as the device (for sets made once at load), and the pool it came
    /// from.
    func descriptorSet(_ pipeline: VulkanPipeline, _ buffers: [VulkanBuffer]) throws(VulkanError) -> (VkDescriptorSet, VulkanDescriptorPool) {
        if descriptorPools.last?.fits(buffers.count) != true {
            descriptorPools.append(try VulkanDescriptorPool(device: self, sets: 1024, descriptors: 1024 * 8))
        }
        guard let pool = descriptorPools.last else { throw .call("vkCreateDescriptorPool", -3) }
        return (try pool.allocate(pipeline, buffers), pool)
    }

    /// How many descriptor pools the device itself has made (for tests: sets made per cache come
    /// from the cache's own pool, not these).
    var sharedDescriptorPools: Int { descriptorPools.count }

    // MARK: submission

    /// Records commands with `body` into the device's command buffer, submits them and waits.
    public func execute(_ body: (VulkanRecorder) throws(VulkanError) -> Void) throws(VulkanError) {
        try vkCheck(f.resetCommandBuffer(commandBuffer, 0), "vkResetCommandBuffer")
        var begin = VkCommandBufferBeginInfo()
        begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        begin.flags = UInt32(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue)
        try vkCheck(f.beginCommandBuffer(commandBuffer, &begin), "vkBeginCommandBuffer")
        profiler?.begin(commandBuffer)
        let recorder = VulkanRecorder(device: self)
        do {
            try body(recorder)
        } catch {
            _ = f.endCommandBuffer(commandBuffer)
            throw error
        }
        try vkCheck(f.endCommandBuffer(commandBuffer), "vkEndCommandBuffer")
        var buffer: VkCommandBuffer? = commandBuffer
        let submitted: VkResult? = withUnsafePointer(to: &buffer) { bufferPointer in
            var submit = VkSubmitInfo()
            submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
            submit.commandBufferCount = 1
            submit.pCommandBuffers = bufferPointer
            return f.queueSubmit(queue, 1, &submit, fence)
        }
        try vkCheck(submitted, "vkQueueSubmit")
        var fences: VkFence? = fence
        try vkCheck(f.waitForFences(handle, 1, &fences, VkBool32(VK_TRUE), UInt64.max), "vkWaitForFences")
        try vkCheck(f.resetFences(handle, 1, &fences), "vkResetFences")
        try profiler?.collect()
    }
}

/// The VkDevice and its function table, destroyed after the last object made on it: buffers and
/// pipelines hold the core (not the `VulkanDevice`, whose pipeline cache would make a cycle), so
/// they can be released in any order. The core holds the instance, whose driver must stay
/// loaded until then.
final class VulkanDeviceCore: @unchecked Sendable {
    // Immutable.
    let instance: VulkanInstance
    let handle: VkDevice
    let f: DeviceFunctions

    init(instance: VulkanInstance, handle: VkDevice, f: DeviceFunctions) {
        self.instance = instance
        self.handle = handle
        self.f = f
    }

    deinit {
        _ = f.deviceWaitIdle(handle)
        f.destroyDevice(handle, nil)
    }
}
