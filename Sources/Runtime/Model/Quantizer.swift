import Foundation
import GGUF
import Tensor

/// The file types `swiftllm quantize` writes, with llama.cpp's names and `general.file_type`
/// numbers. A mix chooses each tensor's type as `llama-quantize` does without an importance
/// matrix: the K mixes give the output matrix, and some layers' attn_v and ffn_down, more bits.
public enum QuantizationMix: String, CaseIterable, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16"
    case q4_0 = "Q4_0", q4_1 = "Q4_1", q5_0 = "Q5_0", q5_1 = "Q5_1", q8_0 = "Q8_0"
    case q4_K_S = "Q4_K_S", q4_K_M = "Q4_K_M", q5_K_S = "Q5_K_S", q5_K_M = "Q5_K_M", q6_K = "Q6_K"

    /// Parses a name in any case ("q4_k_m").
    public init?(name: String) {
        guard let mix = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = mix
    }

    /// The type of a quantizable tensor before the mix's exceptions.
    public var baseType: GGMLType {
        switch self {
        case .f32: .f32
        case .f16: .f16
        case .bf16: .bf16
        case .q4_0: .q4_0
        case .q4_1: .q4_1
        case .q5_0: .q5_0
        case .q5_1: .q5_1
        case .q8_0: .q8_0
        case .q4_K_S, .q4_K_M: .q4_K
        case .q5_K_S, .q5_K_M: .q5_K
        case .q6_K: .q6_K
        }
    }

    /// llama.cpp's `llama_ftype` value, stored as `general.file_type`.
    public var fileType: UInt32 {
        let name = self == .f32 ? "ALL_F32" : "MOSTLY_\(rawValue)"
        return UInt32(LlamaFileType.names.first { $0.value == name }?.key ?? 0)
    }
}

/// llama.cpp's `llama_ftype` values (`general.file_type`) and their names.
public enum LlamaFileType {
    public static let names: [Int: String] = [
        0: "ALL_F32", 1: "MOSTLY_F16", 2: "MOSTLY_Q4_0", 3: "MOSTLY_Q4_1", 7: "MOSTLY_Q8_0",
        8: "MOSTLY_Q5_0", 9: "MOSTLY_Q5_1", 10: "MOSTLY_Q2_K", 11: "MOSTLY_Q3_K_S", 12: "MOSTLY_Q3_K_M",
        13: "MOSTLY_Q3_K_L", 14: "MOSTLY_Q4_K_S", 15: "MOSTLY_Q4_K_M", 16: "MOSTLY_Q5_K_S",
        17: "MOSTLY_Q5_K_M", 18: "MOSTLY_Q6_K", 19: "MOSTLY_IQ2_XXS", 20: "MOSTLY_IQ2_XS",
        21: "MOSTLY_Q2_K_S", 22: "MOSTLY_IQ3_XS", 23: "MOSTLY_IQ3_XXS", 24: "MOSTLY_IQ1_S",
        25: "MOSTLY_IQ4_NL", 26: "MOSTLY_IQ3_S", 27: "MOSTLY_IQ3_M", 28: "MOSTLY_IQ2_S",
        29: "MOSTLY_IQ2_M", 30: "MOSTLY_IQ4_XS", 31: "MOSTLY_IQ1_M", 32: "MOSTLY_BF16",
        36: "MOSTLY_TQ1_0", 37: "MOSTLY_TQ2_0", 38: "MOSTLY_MXFP4_MOE",
    ]
}

/// Rewrites a GGUF model with its weights in another type: every 2-D weight matrix but the
/// norms, routers and a few small special ones is converted (dequantized to F32 when it is not
/// already, then quantized with the reference quantizers, which match llama.cpp's block for
/// block); everything else, metadata included, is copied. Sets `general.file_type` and
/// `general.quantization_version`.
public struct ModelQuantizer: Sendable {
    /// One tensor of the output: its name, shape and old and new types.
    public struct Step: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var from: GGMLType
        public var to: GGMLType
    }

    public enum QuantizeError: Error, CustomStringConvertible {
        case unsupported(tensor: String, type: GGMLType, operation: String)

        public var description: String {
            switch self {
            case .unsupported(let tensor, let type, let operation):
                "tensor '\(tensor)': cannot \(operation) \(type.name)"
            }
        }
    }

    public let mix: QuantizationMix
    public let steps: [Step]

    /// Plans the types for `file` under `mix`.
    public init(file: GGUFFile, mix: QuantizationMix) {
        self.mix = mix
        var plan = MixPlan(file: file, mix: mix)
        steps = file.tensors.map { tensor in
            Step(name: tensor.name, shape: tensor.shape, from: tensor.type, to: plan.type(for: tensor))
        }
    }

    /// Writes the converted model to `path` (nothing is left there on failure). `progress` is
    /// called after each tensor with its index.
    public func write(
        _ file: GGUFFile, to path: String, threads: ThreadPool = .shared, progress: (Int) -> Void = { _ in }
    ) throws {
        var writer = GGUFWriter(version: 3)
        for (key, value) in file.metadata.entries { writer.metadata.append(key, value) }
        writer.metadata.set("general.quantization_version", .uint32(2))
        writer.metadata.set("general.file_type", .uint32(mix.fileType))
        let entries = steps.map { GGUFWriter.TensorEntry(name: $0.name, shape: $0.shape, type: $0.to) }
        try writer.stream(to: path, entries: entries) { i in
            let bytes = try convert(file.data(of: file.tensors[i]), steps[i], threads: threads)
            progress(i)
            return bytes
        }
    }

    /// One tensor's bytes in its new type.
    func convert(_ source: UnsafeRawBufferPointer, _ step: Step, threads: ThreadPool) throws -> [UInt8] {
        if step.from == step.to { return [UInt8](source) }
        let rowLength = step.shape[0], rows = step.shape.dropFirst().reduce(1, *)
        guard Quants.canQuantize(step.to) else {
            throw QuantizeError.unsupported(tensor: step.name, type: step.to, operation: "quantize to")
        }
        guard let inRow = step.from.rowBytes(elements: rowLength), let outRow = step.to.rowBytes(elements: rowLength) else {
            throw QuantizeError.unsupported(tensor: step.name, type: step.to, operation: "split rows of")
        }
        var out = [UInt8](repeating: 0, count: rows * outRow)
        var failure: String?
        let lock = NSLock()
        try out.withUnsafeMutableBytes { dst in
            guard let src = source.baseAddress, let dstBase = dst.baseAddress else { return }
            threads.forEachChunk(rows, chunk: max(1, 65_536 / rowLength)) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: rowLength) { floats in
                    do {
                        for row in range {
                            try Quants.dequantize(step.from, from: src + row * inRow, into: floats.baseAddress!, count: rowLength)
                            try Quants.quantize(step.to, from: floats.baseAddress!, into: dstBase + row * outRow, count: rowLength)
                        }
                    } catch {
                        lock.withLock { failure = "\(error)" }
                    }
                }
            }
            if let failure {
                throw QuantizeError.unsupported(tensor: step.name, type: step.from, operation: "convert (\(failure)) from")
            }
        }
        return out
    }
}

/// llama.cpp's per-tensor type choice (`llama_tensor_get_type`) for the mixes we write.
struct MixPlan {
    let mix: QuantizationMix
    let blockCount: Int
    let expertCount: Int
    let tiedEmbeddings: Bool
    let isFalcon: Bool
    let valueCount: Int
    var valueIndex = 0
    var downIndex = 0

    init(file: GGUFFile, mix: QuantizationMix) {
        self.mix = mix
        let arch = file.metadata.architecture ?? ""
        blockCount = file.metadata["\(arch).block_count"]?.intValue ?? 0
        expertCount = max(1, file.metadata["\(arch).expert_count"]?.intValue ?? 1)
        tiedEmbeddings = file.tensor(named: "output.weight") == nil
        isFalcon = arch == "falcon"
        valueCount = file.tensors.filter { Self.category($0.name).isValue }.count
    }

    enum Category {
        case output, tokenEmbedding, qkv, kvB, value, key, query, attentionOutput, up, gate, down, other
        var isValue: Bool { self == .value || self == .qkv || self == .kvB }
    }

    static func category(_ name: String) -> Category {
        if name == "output.weight" { return .output }
        if name == "token_embd.weight" || name == "per_layer_token_embd.weight" { return .tokenEmbedding }
        let table: [(String, Category)] = [
            ("attn_qkv.weight", .qkv), ("attn_kv_b.weight", .kvB), ("attn_v.weight", .value),
            ("attn_k.weight", .key), ("attn_q.weight", .query), ("attn_output.weight", .attentionOutput),
            ("ffn_up", .up), ("ffn_gate", .gate), ("ffn_down", .down),
        ]
        return table.first { name.contains($0.0) }?.1 ?? .other
    }

    /// Whether llama.cpp converts this tensor at all: 2-D or 3-D weights, not norms, routers,
    /// position or token-type embeddings, convolutions or the small per-layer tables.
    static func isConverted(_ tensor: GGUFTensorInfo) -> Bool {
        let name = tensor.name
        guard tensor.shape.count >= 2, name.hasSuffix("weight") else { return false }
        let kept = ["_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel",
                    "per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight", "attn_rel_b.weight",
                    "time_mix_", "indexer.k_proj.weight", "indexer.q_proj.weight"]
        if kept.contains(where: { name.contains($0) }) { return false }
        return name != "position_embd.weight" && name != "token_types.weight"
    }

    /// Layers that get more bits in the K_M mixes: the first and last eighth, and every third in between.
    static func usesMoreBits(_ layer: Int, of layers: Int) -> Bool {
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2
    }

    mutating func type(for tensor: GGUFTensorInfo) -> GGMLType {
        guard Self.isConverted(tensor) else { return tensor.type }
        var type = mix.baseType
        guard type.isQuantized else { return type }
        type = exception(for: tensor, base: type)
        return Self.fallback(type, columns: tensor.shape[0])
    }

    private mutating func exception(for tensor: GGUFTensorInfo, base: GGMLType) -> GGMLType {
        let category = Self.category(tensor.name)
        let kMedium = mix == .q4_K_M || mix == .q5_K_M
        if category == .output || (category == .tokenEmbedding && tiedEmbeddings) {
            if tensor.shape[0] % base.blockSize != 0 || isFalcon { return .q8_0 }
            return base == .q8_0 ? .q8_0 : .q6_K
        }
        switch category {
        case .value, .qkv, .kvB:
            defer { valueIndex += 1 }
            if expertCount == 8 { return .q8_0 }
            if kMedium && Self.usesMoreBits(valueIndex, of: valueCount) { return .q6_K }
            if mix == .q4_K_S && valueIndex < 4 { return .q5_K }
            return base
        case .key:
            return expertCount == 8 ? .q8_0 : base
        case .down:
            var layer = downIndex, layers = blockCount
            if expertCount > 1, let parsed = Self.layerNumber(tensor.name) { layer = parsed } else { downIndex += 1 }
            if layers == 0 { layers = 1 }
            if mix == .q4_K_M {
                if isFalcon {
                    return layer < layers / 16 ? .q6_K : Self.usesMoreBits(layer, of: layers) ? .q5_K : .q4_K
                }
                return Self.usesMoreBits(layer, of: layers) ? .q6_K : base
            }
            if mix == .q5_K_M && Self.usesMoreBits(layer, of: layers) { return .q6_K }
            if mix == .q4_K_S && !isFalcon && layer < layers / 8 { return .q5_K }
            return base
        case .attentionOutput:
            if !isFalcon && expertCount == 8 && (mix == .q4_K_S || mix == .q4_K_M) { return .q5_K }
            return base
        case .output, .tokenEmbedding, .query, .up, .gate, .other:
            return base
        }
    }

    static func layerNumber(_ name: String) -> Int? {
        let parts = name.split(separator: ".")
        guard parts.count > 1, parts[0] == "blk" else { return nil }
        return Int(parts[1])
    }

    /// A type whose blocks do not divide the row length falls back to a 32-block type, then F16.
    static func fallback(_ type: GGMLType, columns: Int) -> GGMLType {
        guard columns % type.blockSize != 0 else { return type }
        let smaller: GGMLType = switch type {
        case .q4_K: .q5_0
        case .q5_K: .q5_1
        case .q6_K: .q8_0
        case .q2_K, .q3_K: .q4_0
        default: type
        }
        return columns % smaller.blockSize == 0 ? smaller : .f16
    }
}
