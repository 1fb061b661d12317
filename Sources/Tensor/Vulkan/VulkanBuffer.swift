import CVulkan

/// A storage buffer and its memory. Host-visible buffers stay mapped (`contents`); others are
/// filled through a staging copy (`VulkanDevice.upload`).
public final class VulkanBuffer: @unchecked Sendable {
    // Used by one forward pass at a time with its device; freed in deinit.
    private let core: VulkanDeviceCore
    let handle: VkBuffer
    private let memory: VkDeviceMemory
    public let byteCount: Int
    /// The mapped memory when the buffer is host-visible (and coherent), else nil.
    public let contents: UnsafeMutableRawPointer?

    public enum Placement: Sendable {
        /// Read and written by shaders only, filled once (weights, the KV cache, work buffers):
        /// device-local memory, host-visible too where the device has such (integrated GPUs,
        /// CPU implementations, resizable BAR).
        case device
        /// Written or read by the host every step (inputs, logits): host-visible, coherent.
        case shared
    }

    init(device: VulkanDevice, bytes: Int, placement: Placement) throws(VulkanError) {
        core = device.core
        let size = max(4, (bytes + 3) & ~3)
        byteCount = size
        let f = device.f
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = VkDeviceSize(size)
        info.usage = UInt32(VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue
                            | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue)
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var buffer: VkBuffer?
        try vkCheck(f.createBuffer(device.handle, &info, nil, &buffer), "vkCreateBuffer (\(size) bytes)")
        guard let buffer else { throw .call("vkCreateBuffer", -3) }
        var requirements = VkMemoryRequirements()
        f.getBufferMemoryRequirements(device.handle, buffer, &requirements)
        let local = UInt32(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT.rawValue)
        let visible = UInt32(VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT.rawValue | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT.rawValue)
        let type: UInt32? = switch placement {
        case .device:
            device.memoryType(bits: requirements.memoryTypeBits, required: local | visible)
                ?? device.memoryType(bits: requirements.memoryTypeBits, required: local)
                ?? device.memoryType(bits: requirements.memoryTypeBits, required: 0)
        case .shared:
            device.memoryType(bits: requirements.memoryTypeBits, required: visible, preferred: local)
        }
        guard let type else {
            f.destroyBuffer(device.handle, buffer, nil)
            throw .unsupported("no memory type for a \(placement) buffer")
        }
        var allocate = VkMemoryAllocateInfo()
        allocate.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        allocate.allocationSize = requirements.size
        allocate.memoryTypeIndex = type
        var memory: VkDeviceMemory?
        let allocated = f.allocateMemory(device.handle, &allocate, nil, &memory)
        guard allocated == VK_SUCCESS, let memory else {
            f.destroyBuffer(device.handle, buffer, nil)
            throw .call("vkAllocateMemory (\(size) bytes)", allocated.rawValue)
        }
        let bound = f.bindBufferMemory(device.handle, buffer, memory, 0)
        guard bound == VK_SUCCESS else {
            f.freeMemory(device.handle, memory, nil)
            f.destroyBuffer(device.handle, buffer, nil)
            throw .call("vkBindBufferMemory", bound.rawValue)
        }
        handle = buffer
        self.memory = memory
        let flags = device.memoryPropertyFlags(type)
        if flags & visible == visible {
            var mapped: UnsafeMutableRawPointer?
            let result = f.mapMemory(device.handle, memory, 0, VkDeviceSize(size), 0, &mapped)
            contents = result == VK_SUCCESS ? mapped : nil
        } else {
            contents = nil
        }
    }

    deinit {
        core.f.destroyBuffer(core.handle, handle, nil)
        core.f.freeMemory(core.handle, memory, nil)
    }
}

extension VulkanDevice {
    func memoryPropertyFlags(_ type: UInt32) -> UInt32 {
        withUnsafeBytes(of: memory.memoryTypes) { $0.bindMemory(to: VkMemoryType.self)[Int(type)].propertyFlags }
    }

    /// A buffer of `bytes` (rounded up to 4).
    public func makeBuffer(bytes: Int, placement: VulkanBuffer.Placement = .device) throws(VulkanError) -> VulkanBuffer {
        try VulkanBuffer(device: self, bytes: bytes, placement: placement)
    }

    /// Copies `count` bytes from `source` into `buffer` at `offset`: directly when it is mapped,
    /// else through a host-visible staging buffer and a transfer on the queue.
    public func upload(_ source: UnsafeRawPointer, count: Int, to buffer: VulkanBuffer, offset: Int = 0) throws(VulkanError) {
        guard count > 0 else { return }
        guard offset >= 0, offset + count <= buffer.byteCount else {
            throw .unsupported("an upload of \(count) bytes at \(offset) into a buffer of \(buffer.byteCount)")
        }
        if let contents = buffer.contents {
            (contents + offset).copyMemory(from: source, byteCount: count)
            return
        }
        let chunk = min(count, 64 << 20)
        let staging = try makeBuffer(bytes: chunk, placement: .shared)
        guard let stage = staging.contents else { throw .unsupported("the staging buffer is not mappable") }
        var done = 0
        while done < count {
            let n = min(chunk, count - done)
            stage.copyMemory(from: source + done, byteCount: n)
            try execute { recorder throws(VulkanError) in recorder.copy(staging, 0, to: buffer, offset + done, bytes: n) }
            done += n
        }
    }

    /// Copies `values` into `buffer` at byte `offset`.
    public func upload(_ values: [Float], to buffer: VulkanBuffer, offset: Int = 0) throws(VulkanError) {
        var failure: VulkanError?
        values.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            do throws(VulkanError) { try upload(base, count: raw.count, to: buffer, offset: offset) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Copies `count` bytes of `buffer` from `offset` into `destination`.
    public func download(_ buffer: VulkanBuffer, offset: Int = 0, count: Int, into destination: UnsafeMutableRawPointer) throws(VulkanError) {
        guard count > 0 else { return }
        guard offset >= 0, offset + count <= buffer.byteCount else {
            throw .unsupported("a download of \(count) bytes at \(offset) from a buffer of \(buffer.byteCount)")
        }
        if let contents = buffer.contents {
            destination.copyMemory(from: contents + offset, byteCount: count)
            return
        }
        let staging = try makeBuffer(bytes: count, placement: .shared)
        guard let stage = staging.contents else { throw .unsupported("the staging buffer is not mappable") }
        try execute { recorder throws(VulkanError) in recorder.copy(buffer, offset, to: staging, 0, bytes: count) }
        destination.copyMemory(from: stage, byteCount: count)
    }
}
