import CVulkan

/// Time a device spent in each shader (and in buffer copies), from timestamp queries.
public struct VulkanOpTiming: Sendable, Equatable {
    /// The shader's name (`matvec_q4_k`, `attention`, …), or `copy`.
    public let name: String
    /// How many dispatches (or copies) were timed.
    public let calls: Int
    /// Their device time, in seconds.
    public let seconds: Double
}

/// Timestamp queries around every command of a command buffer: one at its start, then one after
/// each dispatch or copy; an op's time is its timestamp minus the one before. Commands between
/// two barriers may overlap on a GPU, so the split between them is approximate; the sum over a
/// command buffer is its device time.
final class VulkanProfiler {
    // Used with its device, one caller at a time.
    private let core: VulkanDeviceCore
    private let pool: VkQueryPool
    private let capacity: Int
    /// Nanoseconds per timestamp tick, and the mask of the valid bits.
    private let period: Double
    private let mask: UInt64
    /// The label of query i + 1 of the command buffer being recorded (query 0 is its start).
    private var labels: [String] = []
    private var totals: [String: (calls: Int, ticks: UInt64)] = [:]
    /// Commands past `capacity - 1` in one command buffer go untimed; they are counted here.
    private(set) var untimed = 0

    init(device: VulkanDevice, capacity: Int = 8192) throws(VulkanError) {
        guard device.timestampBits > 0, device.limits.timestampPeriod > 0 else {
            throw .unsupported("\(device.info.name) cannot write timestamps on its compute queue")
        }
        core = device.core
        self.capacity = capacity
        period = Double(device.limits.timestampPeriod)
        mask = device.timestampBits >= 64 ? .max : (UInt64(1) << UInt64(device.timestampBits)) - 1
        var info = VkQueryPoolCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO
        info.queryType = VK_QUERY_TYPE_TIMESTAMP
        info.queryCount = UInt32(capacity)
        var pool: VkQueryPool?
        try vkCheck(device.f.createQueryPool(device.handle, &info, nil, &pool), "vkCreateQueryPool")
        guard let pool else { throw .call("vkCreateQueryPool", -3) }
        self.pool = pool
    }

    deinit {
        core.f.destroyQueryPool(core.handle, pool, nil)
    }

    /// Resets the queries and writes the start timestamp (at the top of a command buffer).
    func begin(_ cb: VkCommandBuffer) {
        labels.removeAll(keepingCapacity: true)
        core.f.cmdResetQueryPool(cb, pool, 0, UInt32(capacity))
        core.f.cmdWriteTimestamp(cb, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, pool, 0)
    }

    /// Writes a timestamp once every command recorded so far has finished, for `label`.
    func mark(_ label: String, _ cb: VkCommandBuffer) {
        guard labels.count + 1 < capacity else {
            untimed += 1
            return
        }
        labels.append(label)
        core.f.cmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool, UInt32(labels.count))
    }

    /// Adds the finished command buffer's op times to the totals.
    func collect() throws(VulkanError) {
        guard !labels.isEmpty else { return }
        var stamps = [UInt64](repeating: 0, count: labels.count + 1)
        let flags = UInt32(VK_QUERY_RESULT_64_BIT.rawValue | VK_QUERY_RESULT_WAIT_BIT.rawValue)
        let result = stamps.withUnsafeMutableBytes { raw in
            core.f.getQueryPoolResults(core.handle, pool, 0, UInt32(raw.count / 8), raw.count, raw.baseAddress, 8, flags)
        }
        try vkCheck(result, "vkGetQueryPoolResults")
        for (i, label) in labels.enumerated() {
            let ticks = (stamps[i + 1] &- stamps[i]) & mask
            let total = totals[label] ?? (0, 0)
            totals[label] = (total.calls + 1, total.ticks + ticks)
        }
        labels.removeAll(keepingCapacity: true)
    }

    /// The totals so far, longest first.
    var timings: [VulkanOpTiming] {
        totals.map { VulkanOpTiming(name: $0.key, calls: $0.value.calls, seconds: Double($0.value.ticks) * period / 1e9) }
            .sorted { ($0.seconds, $1.name) > ($1.seconds, $0.name) }
    }
}

extension VulkanDevice {
    /// Starts timing every dispatch and copy of later command buffers (timestamp queries), from
    /// zero. Throws when the device's compute queue cannot write timestamps.
    public func startProfiling() throws(VulkanError) {
        profiler = try VulkanProfiler(device: self)
    }

    /// Stops timing (later command buffers carry no timestamps).
    public func stopProfiling() {
        profiler = nil
    }

    /// Device time per shader since `startProfiling` (longest first), or nil when not profiling.
    public var profile: [VulkanOpTiming]? { profiler?.timings }
}
