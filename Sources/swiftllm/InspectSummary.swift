import Foundation
import GGUF
import Runtime
import Tensor

/// Which tensors the engine would leave unread: nil when the model cannot be bound at all (an
/// architecture it does not run, a missing tensor), with the reason.
struct TensorUsage {
    let unused: Set<String>?
    let failure: String?

    init(_ file: GGUFFile) {
        do {
            unused = Set(try Model(file: file, allowUnusedTensors: true).unusedTensors)
            failure = nil
        } catch {
            unused = nil
            failure = error.description
        }
    }

    var summary: String {
        guard let unused else { return "unknown: \(failure ?? "the model cannot be loaded")" }
        if unused.isEmpty { return "all \u{2014} every tensor is read" }
        return "\(unused.count) not used (marked * below with --tensors); swiftllm refuses to run this file"
    }
}

/// The human-readable `inspect` report.
enum InspectSummary {
    static func text(_ file: GGUFFile, path: String, includeTensors: Bool) -> String {
        let meta = file.metadata
        let arch = meta.architecture ?? "?"
        func archValue(_ suffix: String) -> String {
            guard let value = meta["\(arch).\(suffix)"] else { return "-" }
            return describe(value)
        }
        var lines: [(String, String)] = [
            ("file", path),
            ("GGUF version", "\(file.version) (alignment \(file.alignment), \(file.metadata.count) keys, \(file.tensors.count) tensors)"),
            ("architecture", arch),
            ("name", (try? meta.string("general.name")) ?? "-"),
            ("parameters", "\(file.parameterCount) (\(humanCount(file.parameterCount)))"),
            ("file type", fileType(meta["general.file_type"]?.intValue)),
            ("context length", archValue("context_length")),
            ("embedding size", archValue("embedding_length")),
            ("layers", archValue("block_count")),
            ("heads", "\(archValue("attention.head_count")) (kv \(archValue("attention.head_count_kv")))"),
            ("vocabulary", "\((try? meta.array("tokenizer.ggml.tokens").count).map(String.init) ?? "-") tokens, model \((try? meta.string("tokenizer.ggml.model")) ?? "-")"),
            ("chat template", meta.contains("tokenizer.chat_template") ? "yes" : "no"),
        ]
        if let config = try? ModelConfig(metadata: meta) {
            lines.append(("layer kinds", layerKinds(config)))
            lines.append(("RoPE", rope(config)))
            if let e = config.experts {
                lines.append(("experts", "\(e.count), \(e.used) used per token, FFN width \(e.feedForwardLength)"))
            }
            if let n = config.deltaNet {
                lines.append(("delta-net", "\(n.keyHeads) q/k heads, \(n.valueHeads) v heads of \(n.stateSize), conv \(n.convolutionKernel)"))
            }
            if let taps = config.shortConvolutionLength { lines.append(("short conv", "\(taps) taps")) }
            if let n = config.perLayerInputLength { lines.append(("layer inputs", "\(n) values per layer")) }
        }
        var mix: [GGMLType: (count: Int, bytes: Int)] = [:]
        for tensor in file.tensors {
            mix[tensor.type, default: (0, 0)].count += 1
            mix[tensor.type, default: (0, 0)].bytes += tensor.byteCount
        }
        let mixText = mix.sorted { $0.value.bytes > $1.value.bytes }
            .map { "\($0.key.name) \($0.value.count) tensors \(humanBytes($0.value.bytes))" }
            .joined(separator: ", ")
        lines.append(("quant mix", mixText))
        let usage = TensorUsage(file)
        lines.append(("tensors used", usage.summary))
        let width = lines.map(\.0.count).max() ?? 0
        var out = lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
            .joined(separator: "\n") + "\n"
        if includeTensors {
            out += "\n" + tensorTable(file, unused: usage.unused ?? [])
        }
        return out
    }

    /// The layers by kind, as runs: "0-2 attention, 3 attention without RoPE".
    static func layerKinds(_ c: ModelConfig) -> String {
        func kind(_ layer: Int) -> String {
            let l = c.layers[layer]
            guard l.mixer == .attention else { return l.mixer.rawValue }
            var name = c.layers.allSatisfy({ $0.slidingWindow == nil }) ? "attention"
                : l.slidingWindow.map { "sliding-window attention (\($0))" } ?? "global attention"
            if l.ropeDimensions == 0 { name += " without RoPE" }
            if l.kvSource >= 0 { name += " reading layer \(l.kvSource)'s KV" }
            return name
        }
        var runs: [(first: Int, last: Int, kind: String)] = []
        for layer in 0..<c.layerCount {
            let k = kind(layer)
            if let last = runs.last, last.kind == k, last.last == layer - 1 {
                runs[runs.count - 1].last = layer
            } else {
                runs.append((layer, layer, k))
            }
        }
        return runs.map { ($0.first == $0.last ? "\($0.first)" : "\($0.first)-\($0.last)") + " " + $0.kind }
            .joined(separator: ", ")
    }

    /// RoPE style, rotated dimensions, base and scaling; the attention temperature.
    static func rope(_ c: ModelConfig) -> String {
        var text = "\(c.spec.ropeStyle.rawValue), \(c.ropeDimensions) of \(c.headDim) dims, base \(c.ropeBase)"
        if let local = c.layers.first(where: { $0.slidingWindow != nil }), local.ropeBase != c.ropeBase || local.headDim != c.headDim {
            text += " (sliding-window layers \(local.ropeDimensions) of \(local.headDim) dims, base \(local.ropeBase))"
        }
        if c.ropeSections != nil { text += ", M-RoPE sections \(c.ropeSections ?? [])" }
        if c.ropeScale != 1 { text += ", linear scale \(c.ropeScale)" }
        if let yarn = c.yarn { text += ", YaRN ×\(yarn.factor) from \(yarn.originalContext) positions" }
        if let t = c.attentionTemperature { text += "; attention temperature \(t.scale) per \(t.length) positions" }
        return text
    }

    /// The tensor table; tensors in `unused` are marked `*`.
    static func tensorTable(_ file: GGUFFile, unused: Set<String>) -> String {
        let nameWidth = max(4, file.tensors.map(\.name.count).max() ?? 0)
        var out = "  " + "name".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            + "  type     shape                     offset        bytes\n"
        for t in file.tensors {
            let shape = t.shape.map(String.init).joined(separator: " x ")
            out += (unused.contains(t.name) ? "* " : "  ") + t.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + t.type.name.padding(toLength: 7, withPad: " ", startingAt: 0) + "  "
                + shape.padding(toLength: 24, withPad: " ", startingAt: 0) + "  "
                + String(file.dataOffset + t.offset).leftPadded(12) + "  " + String(t.byteCount).leftPadded(11) + "\n"
        }
        return out
    }

    static func describe(_ value: GGUFValue) -> String {
        switch value {
        case .string(let s): s
        case .float32(let f): "\(f)"
        case .float64(let d): "\(d)"
        case .bool(let b): "\(b)"
        case .array(let a): "[\(a.count) × \(a.elementType)]"
        default: value.intValue.map(String.init) ?? "\(value)"
        }
    }

    static func humanBytes(_ bytes: Int) -> String {
        let mib = Double(bytes) / 1_048_576
        return mib >= 1 ? String(format: "%.2f MiB", mib) : String(format: "%.1f KiB", Double(bytes) / 1024)
    }

    static func humanCount(_ n: Int) -> String {
        n >= 1_000_000_000 ? String(format: "%.2fB", Double(n) / 1e9)
            : n >= 1_000_000 ? String(format: "%.1fM", Double(n) / 1e6) : String(format: "%.1fK", Double(n) / 1e3)
    }

    /// llama.cpp's `general.file_type` values (llama_ftype).
    static func fileType(_ id: Int?) -> String {
        guard let id else { return "-" }
        return "\(LlamaFileType.names[id] ?? "unknown") (\(id))"
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
