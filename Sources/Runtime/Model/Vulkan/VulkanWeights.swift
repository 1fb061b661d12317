import Tensor

/// A weight matrix on the device: one or more row ranges, each in a buffer of its own (a part
/// stays within the device's largest storage buffer), bound to the matvec shader (decode, short
/// passes) and the tiled matmul shader (prefill) with the arena as input and `output` as result
/// buffer.
struct DeviceMatrix {
    struct Part {
        let binding: VulkanBinding
        let tiled: VulkanBinding
        let firstRow: Int
        let rows: Int
    }

    let parts: [Part]
    let rows: Int
    let cols: Int
    let rowBytes: Int
    let rowsPerGroup: Int
    /// Passes of more tokens than this use the tiled product: the matvec dequantizes each weight
    /// once per 8 tokens, so up to 8 it reads the weights once too, with no tile to fill.
    static let matvecTokenLimit = 8

    init(_ w: WeightMatrix, device: VulkanDevice, input: VulkanBuffer, output: VulkanBuffer,
         uploaded: inout [UnsafeRawPointer: [VulkanBuffer]]) throws(ModelError) {
        rowsPerGroup = device.matvecRowsPerGroup
        guard let kernel = VulkanKernel.matvec(w.type, rowsPerGroup: rowsPerGroup), let tiled = VulkanKernel.matmul(w.type) else {
            throw .backend("the Vulkan backend has no matvec shader for \(w.type) (tensor '\(w.name)')")
        }
        rows = w.rows
        cols = w.cols
        rowBytes = w.rowBytes
        let rowsPerPart = max(1, min(w.rows, (device.maxStorageBytes & ~3) / max(w.rowBytes, 1)))
        let ranges = stride(from: 0, to: w.rows, by: rowsPerPart).map { ($0, min(rowsPerPart, w.rows - $0)) }
        let buffers: [VulkanBuffer]
        do {
            if let shared = uploaded[w.data] {
                buffers = shared   // tied embeddings: one upload
            } else {
                buffers = try ranges.map { (first, count) throws(VulkanError) in
                    let buffer = try device.makeBuffer(bytes: count * w.rowBytes)
                    try device.upload(w.data + first * w.rowBytes, count: count * w.rowBytes, to: buffer)
                    return buffer
                }
                uploaded[w.data] = buffers
            }
            parts = try zip(ranges, buffers).map { (range, buffer) throws(VulkanError) in
                Part(binding: try device.bind(kernel, [buffer, input, output]), tiled: try device.bind(tiled, [buffer, input, output]),
                     firstRow: range.0, rows: range.1)
            }
        } catch {
            throw .backend("uploading '\(w.name)': \(error)")
        }
    }

    /// y[t·yStride + r] = W[r]·x[t·xStride …] for `tokens` inputs (offsets in floats); `tiled`
    /// lets more than `matvecTokenLimit` tokens take the tiled product (whose sums round
    /// differently: decode batches keep the matvec, so each row is what it would be alone).
    func record(_ r: VulkanRecorder, tokens: Int, x: Int, xStride: Int, y: Int, yStride: Int, tiled: Bool) throws(VulkanError) {
        for part in parts {
            let push = [part.rows, cols, rowBytes, tokens, 0, x, xStride, y + part.firstRow, yStride].map { UInt32($0) }
            if tiled && tokens > Self.matvecTokenLimit {
                try r.dispatch(part.tiled, push: push, groups: VulkanKernel.matmulGroups(rows: part.rows, tokens: tokens))
            } else {
                try r.dispatch(part.binding, push: push, groups: VulkanKernel.matvecGroups(rows: part.rows, rowsPerGroup: rowsPerGroup))
            }
        }
    }
}

/// Every norm gain and bias of the model, packed into one buffer (offsets in floats).
struct DeviceVectors {
    private(set) var values: [Float] = []
    private var offsets: [UnsafePointer<Float>: Int] = [:]

    /// The offset of `v` in the packed buffer (added on first use).
    mutating func offset(_ v: WeightVector) -> Int {
        if let known = offsets[v.pointer] { return known }
        let offset = values.count
        values += UnsafeBufferPointer(start: v.pointer, count: v.count)
        offsets[v.pointer] = offset
        return offset
    }

    mutating func offset(_ v: WeightVector?) -> Int? { v.map { offset($0) } }
}
