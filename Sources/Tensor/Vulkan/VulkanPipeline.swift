import CVulkan

/// A compute shader of `Kernels/`: its SPIR-V, how many storage buffers it binds (0, 1, … in
/// set 0) and how many bytes of push constants (32-bit values) it reads.
public struct VulkanKernel: Sendable, Hashable {
    public let name: String
    public let bindings: Int
    public let pushWords: Int
    /// Values of specialization constants 0, 1, … (32-bit).
    public let specialization: [UInt32]

    public init(name: String, bindings: Int, pushWords: Int, specialization: [UInt32] = []) {
        self.name = name
        self.bindings = bindings
        self.pushWords = pushWords
        self.specialization = specialization
    }

    /// The pipeline cache's key: the shader and its specialization.
    var key: String { ([name] + specialization.map(String.init)).joined(separator: "/") }

    /// The compiled shader (from `Kernels/spirv`, embedded by `Kernels/compile.sh`).
    var spirv: [UInt32]? { ShaderLibrary.words(name) }
}

/// A compute pipeline with its descriptor-set and pipeline layouts.
public final class VulkanPipeline: @unchecked Sendable {
    // Immutable; holds the device core (not the device, whose cache holds the pipeline).
    private let core: VulkanDeviceCore
    let name: String
    let bindings: Int
    let pushWords: Int
    let setLayout: VkDescriptorSetLayout
    let layout: VkPipelineLayout
    let handle: VkPipeline

    init(device: VulkanDevice, kernel: VulkanKernel) throws(VulkanError) {
        core = device.core
        name = kernel.name
        bindings = kernel.bindings
        pushWords = kernel.pushWords
        guard let words = kernel.spirv, !words.isEmpty else { throw .unsupported("no compiled shader named \(kernel.name)") }
        let f = device.f, d = device.handle
        var moduleInfo = VkShaderModuleCreateInfo()
        moduleInfo.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
        moduleInfo.codeSize = words.count * 4
        var module: VkShaderModule?
        let created: VkResult? = words.withUnsafeBufferPointer { code in
            moduleInfo.pCode = code.baseAddress
            return f.createShaderModule(d, &moduleInfo, nil, &module)
        }
        try vkCheck(created, "vkCreateShaderModule (\(kernel.name))")
        guard let module else { throw .call("vkCreateShaderModule", -3) }
        defer { f.destroyShaderModule(d, module, nil) }

        var layoutBindings = (0..<kernel.bindings).map { i in
            VkDescriptorSetLayoutBinding(binding: UInt32(i), descriptorType: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount: 1,
                                         stageFlags: UInt32(VK_SHADER_STAGE_COMPUTE_BIT.rawValue), pImmutableSamplers: nil)
        }
        var setInfo = VkDescriptorSetLayoutCreateInfo()
        setInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
        setInfo.bindingCount = UInt32(layoutBindings.count)
        var setLayout: VkDescriptorSetLayout?
        let setResult: VkResult? = layoutBindings.withUnsafeMutableBufferPointer { pointer in
            setInfo.pBindings = UnsafePointer(pointer.baseAddress)
            return f.createDescriptorSetLayout(d, &setInfo, nil, &setLayout)
        }
        try vkCheck(setResult, "vkCreateDescriptorSetLayout")
        guard let setLayout else { throw .call("vkCreateDescriptorSetLayout", -3) }

        var range = VkPushConstantRange(stageFlags: UInt32(VK_SHADER_STAGE_COMPUTE_BIT.rawValue), offset: 0,
                                        size: UInt32(kernel.pushWords * 4))
        var setLayouts: VkDescriptorSetLayout? = setLayout
        var pipelineLayout: VkPipelineLayout?
        let layoutResult: VkResult? = withUnsafePointer(to: &range) { rangePointer in
            withUnsafePointer(to: &setLayouts) { setPointer in
                var info = VkPipelineLayoutCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
                info.setLayoutCount = 1
                info.pSetLayouts = setPointer
                info.pushConstantRangeCount = kernel.pushWords > 0 ? 1 : 0
                info.pPushConstantRanges = kernel.pushWords > 0 ? rangePointer : nil
                return f.createPipelineLayout(d, &info, nil, &pipelineLayout)
            }
        }
        guard layoutResult == VK_SUCCESS, let pipelineLayout else {
            f.destroyDescriptorSetLayout(d, setLayout, nil)
            throw .call("vkCreatePipelineLayout", layoutResult?.rawValue ?? -3)
        }

        var pipeline: VkPipeline?
        var entries = kernel.specialization.indices.map {
            VkSpecializationMapEntry(constantID: UInt32($0), offset: UInt32(4 * $0), size: 4)
        }
        var values = kernel.specialization
        let pipelineResult: VkResult? = "main".withCString { entry in
            entries.withUnsafeMutableBufferPointer { entryPointer in
                values.withUnsafeMutableBytes { valuePointer in
                    var specialization = VkSpecializationInfo(mapEntryCount: UInt32(entryPointer.count),
                                                              pMapEntries: UnsafePointer(entryPointer.baseAddress),
                                                              dataSize: valuePointer.count, pData: UnsafeRawPointer(valuePointer.baseAddress))
                    return withUnsafePointer(to: &specialization) { specializationPointer in
                        var stage = VkPipelineShaderStageCreateInfo()
                        stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                        stage.stage = VK_SHADER_STAGE_COMPUTE_BIT
                        stage.module = module
                        stage.pName = entry
                        stage.pSpecializationInfo = entryPointer.isEmpty ? nil : specializationPointer
                        var info = VkComputePipelineCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
                        info.stage = stage
                        info.layout = pipelineLayout
                        return f.createComputePipelines(d, nil, 1, &info, nil, &pipeline)
                    }
                }
            }
        }
        guard pipelineResult == VK_SUCCESS, let pipeline else {
            f.destroyPipelineLayout(d, pipelineLayout, nil)
            f.destroyDescriptorSetLayout(d, setLayout, nil)
            throw .call("vkCreateComputePipelines (\(kernel.name))", pipelineResult?.rawValue ?? -3)
        }
        self.setLayout = setLayout
        layout = pipelineLayout
        handle = pipeline
    }

    deinit {
        let f = core.f, d = core.handle
        f.destroyPipeline(d, handle, nil)
        f.destroyPipelineLayout(d, layout, nil)
        f.destroyDescriptorSetLayout(d, setLayout, nil)
    }
}

/// Records commands into the device's command buffer (inside `VulkanDevice.execute`).
public struct VulkanRecorder {
    let device: VulkanDevice

    /// Runs `binding`'s shader over `groups` workgroups with its buffers and `push` constants.
    public func dispatch(_ binding: VulkanBinding, push: [UInt32], groups: (Int, Int, Int)) throws(VulkanError) {
        try dispatch(binding.pipeline, binding.set, push: push, groups: groups)
    }

    func dispatch(_ pipeline: VulkanPipeline, _ set: VkDescriptorSet, push: [UInt32], groups: (Int, Int, Int)) throws(VulkanError) {
        guard push.count == pipeline.pushWords else {
            throw .unsupported("\(pipeline.name) takes \(pipeline.pushWords) push constants, given \(push.count)")
        }
        let maxGroups = device.limits.maxComputeWorkGroupCount
        guard groups.0 <= Int(maxGroups.0), groups.1 <= Int(maxGroups.1), groups.2 <= Int(maxGroups.2) else {
            throw .unsupported("\(pipeline.name): \(groups) workgroups, the device allows \(maxGroups)")
        }
        guard groups.0 > 0, groups.1 > 0, groups.2 > 0 else { return }
        let f = device.f, cb = device.commandBuffer
        f.cmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.handle)
        var sets: VkDescriptorSet? = set
        f.cmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout, 0, 1, &sets, 0, nil)
        if !push.isEmpty {
            push.withUnsafeBytes { raw in
                f.cmdPushConstants(cb, pipeline.layout, UInt32(VK_SHADER_STAGE_COMPUTE_BIT.rawValue), 0, UInt32(raw.count),
                                    raw.baseAddress)
            }
        }
        f.cmdDispatch(cb, UInt32(groups.0), UInt32(groups.1), UInt32(groups.2))
        device.profiler?.mark(pipeline.name, cb)
    }

    /// Makes every earlier shader and transfer write visible to later shaders and transfers.
    public func barrier() {
        var memory = VkMemoryBarrier()
        memory.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        memory.srcAccessMask = UInt32(VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue)
        memory.dstAccessMask = UInt32(VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
                                      | VK_ACCESS_TRANSFER_READ_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue)
        let stages = UInt32(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue)
        device.f.cmdPipelineBarrier(device.commandBuffer, stages, stages, 0, 1, &memory, 0, nil, 0, nil)
    }

    /// Makes every earlier shader and transfer write visible to the host (before it reads mapped
    /// memory after the fence).
    public func barrierForHost() {
        var memory = VkMemoryBarrier()
        memory.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        memory.srcAccessMask = UInt32(VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue)
        memory.dstAccessMask = UInt32(VK_ACCESS_HOST_READ_BIT.rawValue)
        let source = UInt32(VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue)
        device.f.cmdPipelineBarrier(device.commandBuffer, source, UInt32(VK_PIPELINE_STAGE_HOST_BIT.rawValue), 0, 1, &memory, 0, nil, 0, nil)
    }

    /// Copies `bytes` bytes between buffers (a transfer; `barrier()` orders it with the shaders).
    public func copy(_ source: VulkanBuffer, _ sourceOffset: Int, to destination: VulkanBuffer, _ destinationOffset: Int, bytes: Int) {
        var region = VkBufferCopy(srcOffset: VkDeviceSize(sourceOffset), dstOffset: VkDeviceSize(destinationOffset), size: VkDeviceSize(bytes))
        device.f.cmdCopyBuffer(device.commandBuffer, source.handle, destination.handle, 1, &region)
        device.profiler?.mark("copy", device.commandBuffer)
    }
}

/// A shader with its buffers bound (a pipeline and a descriptor set): made once, dispatched
/// every step with fresh push constants.
public struct VulkanBinding: @unchecked Sendable {
    // The set and pipeline live as long as their device.
    let pipeline: VulkanPipeline
    let set: VkDescriptorSet
    /// Keeps the bound buffers alive as long as the binding.
    let buffers: [VulkanBuffer]
    /// The pool the set came from, freed after its last binding.
    let pool: VulkanDescriptorPool
}

extension VulkanDevice {
    /// `kernel` with `buffers` at bindings 0, 1, … (made at load, reused every step). The set
    /// comes from `pool`, and is freed with it, or else from the device's own pools, which last
    /// as long as the device.
    public func bind(_ kernel: VulkanKernel, _ buffers: [VulkanBuffer], from pool: VulkanDescriptorPool? = nil) throws(VulkanError) -> VulkanBinding {
        let pipeline = try pipeline(kernel)
        if let pool {
            return VulkanBinding(pipeline: pipeline, set: try pool.allocate(pipeline, buffers), buffers: buffers, pool: pool)
        }
        let (set, shared) = try descriptorSet(pipeline, buffers)
        return VulkanBinding(pipeline: pipeline, set: set, buffers: buffers, pool: shared)
    }
}
