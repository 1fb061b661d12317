import GGUF
import Tensor

/// A loaded model: its configuration and weights, which stay in the memory-mapped GGUF file.
/// Immutable and shareable across tasks; per-conversation state lives in a `KVCache`.
///
/// ```swift
/// let model = try Model(file: GGUFFile(path: path))
/// let cache = model.makeCache()
/// let logits = try model.forward([1, 2, 3], cache: cache)   // logits of the last token
/// ```
public final class Model: Sendable {
    public let config: ModelConfig
    public let file: GGUFFile
    let tokenEmbedding: WeightMatrix
    let output: WeightMatrix
    let outputNorm: WeightVector
    let outputBias: WeightVector?
    /// Llama 3's RoPE frequency divisors, one per rotated pair (`rope_freqs.weight`).
    let ropeFactors: WeightVector?
    let layers: [LayerWeights]
    /// gemma4's per-layer token inputs, nil for other architectures.
    let perLayerInputs: PerLayerInputTables?
    /// Tensors of the file the architecture does not read (empty unless `allowUnusedTensors`).
    public let unusedTensors: [String]
    /// Where the forward passes run.
    public let backend: ComputeBackend
    /// "CPU", or "Vulkan (DEVICE NAME)".
    public var backendName: String { accelerator.model.map { "Vulkan (\($0.device.info.name))" } ?? "CPU" }
    /// The weights on the Vulkan device (`backend` is `.vulkan`), set once at the end of init.
    let accelerator = AcceleratorSlot()

    /// Binds the file's tensors to the architecture's. Every tensor must be one the architecture
    /// reads: a file with others is refused (`ModelError.unusedTensors`), because running without
    /// them would silently give wrong outputs. `allowUnusedTensors` loads it anyway and lists them
    /// in `unusedTensors` (for tools such as `inspect`). `backend: .vulkan(device:)` uploads the
    /// weights to a Vulkan device, where every forward pass then runs; it throws
    /// `ModelError.backend` when there is no Vulkan driver or the device cannot run the model.
    public init(file: GGUFFile, allowUnusedTensors: Bool = false, backend: ComputeBackend = .cpu) throws(ModelError) {
        let config = try ModelConfig(metadata: file.metadata)
        self.config = config
        self.file = file
        let binder = WeightBinder(file: file)
        let optional = config.spec.optionalTensors
        let d = config.embeddingLength
        tokenEmbedding = try binder.matrix("token_embd.weight", cols: d, rows: config.vocabularySize)
        if let separate = try binder.optionalMatrix("output.weight", cols: d, rows: config.vocabularySize) {
            output = separate
        } else if config.spec.allowsTiedEmbeddings {
            output = tokenEmbedding
        } else {
            throw .missingTensor("output.weight")
        }
        outputNorm = try binder.vector(config.spec.outputNormName + ".weight", count: d)
        outputBias = optional.contains(.outputBias)
            ? try binder.optionalVector("output.bias", count: config.vocabularySize) : nil
        ropeFactors = optional.contains(.ropeFrequencyFactors)
            ? try binder.optionalVector("rope_freqs.weight", count: config.ropeDimensions / 2) : nil
        var layers: [LayerWeights] = []
        for i in 0..<config.layerCount {
            layers.append(try LayerWeights(layer: i, config: config, binder: binder))
        }
        self.layers = layers
        if let n = config.perLayerInputLength {
            let width = n * config.layerCount
            perLayerInputs = PerLayerInputTables(
                embedding: try binder.matrix("per_layer_token_embd.weight", cols: width, rows: config.vocabularySize),
                projection: try binder.matrix("per_layer_model_proj.weight", cols: d, rows: width),
                norm: try binder.vector("per_layer_proj_norm.weight", count: n))
        } else {
            perLayerInputs = nil
        }
        unusedTensors = binder.unbound
        if !allowUnusedTensors && !unusedTensors.isEmpty {
            throw .unusedTensors(architecture: config.spec.name, names: unusedTensors)
        }
        self.backend = backend
        if backend != .cpu {
            accelerator.model = try VulkanModel(model: self, backend: backend)
        } else {
            KernelNotice.reportOnce()
        }
    }

    /// A KV cache for up to `contextLength` tokens (default: the model's training context). Its
    /// forward passes run on `pool`; sequences evaluated concurrently need pools of their own.
    public func makeCache(contextLength: Int? = nil, precision: KVCache.Precision = .f16,
                          pool: ThreadPool = .shared) -> KVCache {
        KVCache(config: config, capacity: min(contextLength ?? config.contextLength, config.contextLength),
                precision: precision, pool: pool)
    }
}

/// Holds a model's Vulkan weights: set once during `Model.init`, before the model is shared,
/// and only read afterwards.
final class AcceleratorSlot: @unchecked Sendable {
    var model: VulkanModel?
}
