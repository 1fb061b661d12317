import Foundation
import Tensor

/// A model's weights on a Vulkan device, its pipelines and descriptor sets (made at load), and
/// the work buffers of a forward pass: one command buffer per pass records every layer with
/// barriers between dependent dispatches, and the logits are read back once.
///
/// Buffers: the **arena** (device memory) holds a pass's activations (x, h, q, k, v, attention
/// output, gate, up); the **vectors** buffer every norm gain and bias; **io** (host-visible) the
/// embedded input rows and RoPE angle tables the host writes before a pass and the logits it
/// reads after. Each layer's K and V live in a buffer per cache (`VulkanCacheState`).
final class VulkanModel: @unchecked Sendable {
    // Passes are serialised by `lock`: the arena, io buffer and command buffer are shared by
    // every cache of the model.
    let device: VulkanDevice
    /// Rows (tokens) per pass: longer inputs run in several passes.
    let maxRows = 32
    let lock = NSLock()
    let arena: VulkanBuffer
    let vectors: VulkanBuffer
    let io: VulkanBuffer
    let layout: ArenaLayout
    let layers: [DeviceLayer]
    let output: DeviceMatrix
    let outputNorm: Int
    let norm: VulkanBinding
    let add: VulkanBinding
    let glu: VulkanBinding
    let rope: VulkanBinding
    let scaleRows: VulkanBinding
    /// Where each layer's angle table lies in io (layers with the same RoPE share one).
    let ropeTables: [Int]
    let ropeGroups: [RopeGroup]

    struct RopeGroup {
        let layer: Int   // a layer with this group's shape, whose frequencies the group uses
        let dims: Int
        let offset: Int
    }

    init(model: Model, backend: ComputeBackend) throws(ModelError) {
        if let reason = Self.unsupported(model) { throw .backend("the Vulkan backend cannot run this model yet: \(reason)") }
        let index: Int?
        if case .vulkan(let chosen) = backend { index = chosen } else { index = nil }
        do {
            device = try VulkanDevice(index: index)
        } catch {
            throw .backend(error.description)
        }
        let c = model.config
        var layout = ArenaLayout(config: c, rows: maxRows)
        // io: input rows, then one angle table per RoPE group, then the logits.
        var groups: [RopeGroup] = []
        var tables: [Int] = []
        var ioCount = maxRows * c.embeddingLength
        for (i, lc) in c.layers.enumerated() {
            if let g = groups.firstIndex(where: { c.layers[$0.layer].ropeDimensions == lc.ropeDimensions
                && c.layers[$0.layer].ropeBase == lc.ropeBase && c.layers[$0.layer].usesRopeFactors == lc.usesRopeFactors }) {
                tables.append(groups[g].offset)
            } else {
                groups.append(RopeGroup(layer: i, dims: lc.ropeDimensions, offset: ioCount))
                tables.append(ioCount)
                ioCount += maxRows * lc.ropeDimensions
            }
        }
        ropeGroups = groups
        ropeTables = tables
        layout.factors = ioCount
        ioCount += maxRows
        layout.logits = ioCount
        self.layout = layout
        ioCount += maxRows * c.vocabularySize
        let device = self.device
        do {
            let arena = try device.makeBuffer(bytes: layout.count * 4)
            self.arena = arena
            let io = try device.makeBuffer(bytes: ioCount * 4, placement: .shared)
            self.io = io
            guard io.contents != nil else { throw VulkanError.unsupported("no host-visible memory for the io buffer") }
            var packed = DeviceVectors()
            var uploaded: [UnsafeRawPointer: [VulkanBuffer]] = [:]
            var layers: [DeviceLayer] = []
            for weights in model.layers {
                layers.append(try DeviceLayer(weights, device: device, arena: arena, vectors: &packed, uploaded: &uploaded))
            }
            outputNorm = packed.offset(model.outputNorm)
            output = try DeviceMatrix(model.output, device: device, input: arena, output: io, uploaded: &uploaded)
            let vectors = try device.makeBuffer(bytes: max(packed.values.count, 1) * 4)
            self.vectors = vectors
            try device.upload(packed.values, to: vectors)
            self.layers = layers
            norm = try device.bind(.rmsNorm, [arena, vectors])
            add = try device.bind(.add, [arena, vectors])
            glu = try device.bind(.glu, [arena])
            rope = try device.bind(.rope, [arena, io])
            scaleRows = try device.bind(.scaleRows, [arena, io])
        } catch let error as VulkanError {
            throw .backend(error.description)
        } catch let error as ModelError {
            throw error
        } catch {
            throw .backend("\(error)")
        }
    }

    /// Why the Vulkan path cannot run `model`, or nil when it can: attention-only transformers
    /// with dense feed-forward blocks (llama, gemma3, qwen2/3, phi3 and their kin).
    static func unsupported(_ model: Model) -> String? {
        let c = model.config
        if model.perLayerInputs != nil { return "per-layer inputs (gemma4)" }
        if c.spec.gatedAttention { return "gated attention" }
        if c.spec.valueNorm { return "value norms" }
        for (i, layer) in model.layers.enumerated() {
            let lc = c.layers[i]
            guard let attention = layer.attention else { return "layer \(i) is a \(lc.mixer.rawValue) layer" }
            if !lc.ownsKV || attention.k == nil || attention.v == nil { return "layer \(i) shares another layer's KV cache" }
            if layer.ffn == nil { return "layer \(i) routes to experts" }
            if layer.perLayerInput != nil || layer.outputScale != nil { return "layer \(i) has per-layer inputs" }
            if lc.headDim > 256 || lc.valueDim > 256 || lc.headDim % 2 != 0 || lc.valueDim % 2 != 0 {
                return "layer \(i)'s head size \(lc.headDim) (at most 256, even)"
            }
            if lc.kvHeadCount == 0 || lc.headCount % lc.kvHeadCount != 0 { return "layer \(i)'s head counts" }
            if lc.ropeDimensions % 2 != 0 || lc.ropeDimensions > lc.headDim { return "layer \(i)'s RoPE dimensions" }
        }
        return nil
    }
}

/// Offsets (in floats) of a pass's activations in the arena, each sized for `rows` rows.
struct ArenaLayout {
    let x, h, q, k, v, attn, gate, up: Int
    let count: Int
    /// Offsets of the per-row factors (attention temperature) and the logits in the io buffer
    /// (set once the io layout is known).
    var factors = 0
    var logits = 0

    init(config c: ModelConfig, rows: Int) {
        let d = c.embeddingLength
        let attnWidth = c.layers.map { $0.headCount * $0.valueDim }.max() ?? 0
        let hWidth = max(d, attnWidth)
        let ff = c.layers.map(\.feedForwardLength).max() ?? c.feedForwardLength
        let widths = [d, hWidth, c.layers.map(\.qDim).max() ?? 0, c.layers.map(\.kvDim).max() ?? 0,
                      c.layers.map(\.vDim).max() ?? 0, attnWidth, 2 * ff, ff]
        var offsets: [Int] = []
        var next = 0
        for width in widths {
            offsets.append(next)
            next += rows * width
        }
        (x, h, q, k, v, attn, gate, up) = (offsets[0], offsets[1], offsets[2], offsets[3], offsets[4], offsets[5], offsets[6], offsets[7])
        count = next
    }
}

/// One transformer block's matrices (bound to the matvec shaders) and vectors (offsets).
struct DeviceLayer {
    let q, k, v, o: DeviceMatrix
    let gate: DeviceMatrix?
    let up, down: DeviceMatrix
    let attnNorm, ffnNorm: Int
    let postAttnNorm, postFFNNorm, qNorm, kNorm: Int?
    let qBias, kBias, vBias, oBias, gateBias, upBias, downBias: Int?

    init(_ w: LayerWeights, device: VulkanDevice, arena: VulkanBuffer, vectors: inout DeviceVectors,
         uploaded: inout [UnsafeRawPointer: [VulkanBuffer]]) throws(ModelError) {
        guard let a = w.attention, let wk = a.k, let wv = a.v, let f = w.ffn else {
            throw .backend("the Vulkan backend needs attention and a dense feed-forward block in every layer")
        }
        /// `m` on the device, reading and writing the arena.
        func matrix(_ m: WeightMatrix) throws(ModelError) -> DeviceMatrix {
            try DeviceMatrix(m, device: device, input: arena, output: arena, uploaded: &uploaded)
        }
        q = try matrix(a.q)
        k = try matrix(wk)
        v = try matrix(wv)
        o = try matrix(a.output)
        gate = try f.gate.map { (g: WeightMatrix) throws(ModelError) in try matrix(g) }
        up = try matrix(f.up)
        down = try matrix(f.down)
        attnNorm = vectors.offset(w.attnNorm)
        ffnNorm = vectors.offset(w.ffnNorm)
        postAttnNorm = vectors.offset(w.postAttnNorm)
        postFFNNorm = vectors.offset(w.postFFNNorm)
        qNorm = vectors.offset(a.qNorm)
        kNorm = vectors.offset(a.kNorm)
        qBias = vectors.offset(a.qBias)
        kBias = vectors.offset(a.kBias)
        vBias = vectors.offset(a.vBias)
        oBias = vectors.offset(a.outputBias)
        gateBias = vectors.offset(f.gateBias)
        upBias = vectors.offset(f.upBias)
        downBias = vectors.offset(f.downBias)
    }
}

/// A sequence's KV cache on the device: per layer, K (capacity × kvDim halves) then V
/// (capacity × vDim halves) in one buffer, bound to the store and attention shaders.
final class VulkanCacheState: @unchecked Sendable {
    // Used under the model's pass lock.
    struct Layer {
        let store: VulkanBinding
        let attend: VulkanBinding
        /// Where V starts, in uints (two halves each).
        let values: Int
    }

    let layers: [Layer]

    init(_ gpu: VulkanModel, config c: ModelConfig, capacity: Int) throws(ModelError) {
        do {
            // The cache's sets come from its own pool, freed with the cache.
            let pool = try gpu.device.makeDescriptorPool(sets: 2 * c.layers.count, descriptors: 4 * c.layers.count)
            layers = try c.layers.map { (lc: LayerConfig) throws(VulkanError) in
                let buffer = try gpu.device.makeBuffer(bytes: capacity * (lc.kvDim + lc.vDim) * 2)
                return Layer(store: try gpu.device.bind(.kvStore, [gpu.arena, buffer], from: pool),
                             attend: try gpu.device.bind(.attention, [gpu.arena, buffer], from: pool),
                             values: capacity * lc.kvDim / 2)
            }
        } catch {
            throw .backend("allocating the KV cache on the device: \(error)")
        }
    }
}
