import CVulkan

/// A descriptor pool with room for a fixed number of storage-buffer sets. Its sets are freed with
/// it: every `VulkanBinding` made from a pool holds the pool, so a pool goes when the last binding
/// of its sets does (a KV cache's bindings free their sets when the cache goes).
public final class VulkanDescriptorPool: @unchecked Sendable {
    // Allocation is serialised by the device's one-caller-at-a-time rule; the handle is destroyed
    // in deinit, after the last binding that used it.
    private let core: VulkanDeviceCore
    let handle: VkDescriptorPool
    private(set) var setsLeft: Int
    private(set) var descriptorsLeft: Int

    init(device: VulkanDevice, sets: Int, descriptors: Int) throws(VulkanError) {
        core = device.core
        var size = VkDescriptorPoolSize(type: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount: UInt32(max(descriptors, 1)))
        var pool: VkDescriptorPool?
        let result: VkResult? = withUnsafePointer(to: &size) { sizePointer in
            var info = VkDescriptorPoolCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO
            info.maxSets = UInt32(max(sets, 1))
            info.poolSizeCount = 1
            info.pPoolSizes = sizePointer
            return device.f.createDescriptorPool(device.handle, &info, nil, &pool)
        }
        try vkCheck(result, "vkCreateDescriptorPool")
        guard let pool else { throw .call("vkCreateDescriptorPool", -3) }
        handle = pool
        setsLeft = max(sets, 1)
        descriptorsLeft = max(descriptors, 1)
    }

    deinit {
        core.f.destroyDescriptorPool(core.handle, handle, nil)
    }

    /// Whether a set of `descriptors` buffers still fits.
    func fits(_ descriptors: Int) -> Bool { setsLeft > 0 && descriptorsLeft >= descriptors }

    /// A set for `pipeline` with `buffers` at bindings 0, 1, … (whole buffers).
    func allocate(_ pipeline: VulkanPipeline, _ buffers: [VulkanBuffer]) throws(VulkanError) -> VkDescriptorSet {
        guard buffers.count == pipeline.bindings else {
            throw .unsupported("\(pipeline.name) takes \(pipeline.bindings) buffers, given \(buffers.count)")
        }
        guard fits(buffers.count) else { throw .unsupported("the descriptor pool is full") }
        let f = core.f, d = core.handle
        var set: VkDescriptorSet?
        var layout: VkDescriptorSetLayout? = pipeline.setLayout
        let allocated: VkResult? = withUnsafePointer(to: &layout) { layoutPointer in
            var info = VkDescriptorSetAllocateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO
            info.descriptorPool = handle
            info.descriptorSetCount = 1
            info.pSetLayouts = layoutPointer
            return f.allocateDescriptorSets(d, &info, &set)
        }
        try vkCheck(allocated, "vkAllocateDescriptorSets")
        guard let set else { throw .call("vkAllocateDescriptorSets", -3) }
        setsLeft -= 1
        descriptorsLeft -= buffers.count
        var infos = buffers.map { VkDescriptorBufferInfo(buffer: $0.handle, offset: 0, range: VkDeviceSize(VK_WHOLE_SIZE)) }
        infos.withUnsafeMutableBufferPointer { infoPointer in
            var writes: [VkWriteDescriptorSet] = (0..<buffers.count).map { i in
                var write = VkWriteDescriptorSet()
                write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
                write.dstSet = set
                write.dstBinding = UInt32(i)
                write.descriptorCount = 1
                write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                write.pBufferInfo = UnsafePointer(infoPointer.baseAddress.map { $0 + i })
                return write
            }
            f.updateDescriptorSets(d, UInt32(writes.count), &writes, 0, nil)
        }
        return set
    }
}

extension VulkanDevice {
    /// A pool for `sets` descriptor sets of up to `descriptors` buffers in all, for bindings that
    /// should be freed together (`bind(_:_:from:)`).
    public func makeDescriptorPool(sets: Int, descriptors: Int) throws(VulkanError) -> VulkanDescriptorPool {
        try VulkanDescriptorPool(device: self, sets: sets, descriptors: descriptors)
    }
}
