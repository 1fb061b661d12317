import ArgumentParser
import Foundation
import GGUF
import Runtime
import Tensor

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a GGUF file's metadata, quant mix and tensor table.",
        discussion: """
            With --system, describes the machine and the build instead (kernel tier compiled in, \
            the best one for this CPU, and the build flags that select it). Without FILE, inspects \
            the default model (SmolLM2-135M-Instruct Q4_1 in \
            $SWIFTLLM_MODELS or ~/.cache/swiftllm/models). With --json, prints one JSON object: \
            {"version", "alignment", "tensor_count", "metadata": {key: value}, "tensors": [...]}, \
            where metadata arrays longer than 16 elements are given as {"type", "count"}, and \
            "tensors" lists {"name", "type", "shape", "offset", "bytes"} (offset from the start of \
            the file), and "unused_tensors" lists the tensors the engine would not read (null \
            when the model cannot be bound; a file with unused tensors is refused by run).
            """)

    @Argument(help: "The GGUF file (default: the default model).")
    var file: String?

    @Flag(help: "Print one JSON object instead of the human summary.")
    var json = false

    @Flag(help: "Add the tensor table (name, type, shape, offset, bytes) to the human summary.")
    var tensors = false

    @Flag(help: "Describe this machine and build instead of a file: CPU, threads, the kernel tier compiled in, the CPU's best tier, and the flags that build it.")
    var system = false

    func run() async throws {
        if system {
            print(SystemSummary.text(json: json), terminator: "")
            return
        }
        let path = try ModelPath.resolve(file)
        let gguf: GGUFFile
        do {
            gguf = try GGUFFile(path: path)
        } catch {
            throw CLIError("\(path): \(error)")
        }
        if json {
            print(InspectJSON.document(gguf).compactText)
        } else {
            print(InspectSummary.text(gguf, path: path, includeTensors: tensors), terminator: "")
        }
    }
}

/// An error printed as is on stderr, with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

enum InspectJSON {
    static let longArrayLimit = 16

    static func document(_ file: GGUFFile) -> JSONValue {
        var metadata = JSONObject()
        for (key, value) in file.metadata.entries { metadata[key] = json(value, top: true) }
        var object = JSONObject()
        object["version"] = .int(Int(file.version))
        object["alignment"] = .int(file.alignment)
        object["tensor_count"] = .int(file.tensors.count)
        object["metadata"] = .object(metadata)
        object["unused_tensors"] = TensorUsage(file).unused.map { unused in
            .array(file.tensors.map(\.name).filter(unused.contains).map { .string($0) })
        } ?? .null
        object["tensors"] = .array(file.tensors.map { tensor in
            .object(JSONObject([
                ("name", .string(tensor.name)), ("type", .string(tensor.type.name)),
                ("shape", .array(tensor.shape.map { .int($0) })),
                ("offset", .int(file.dataOffset + tensor.offset)), ("bytes", .int(tensor.byteCount)),
            ]))
        })
        return .object(object)
    }

    static func json(_ value: GGUFValue, top: Bool = false) -> JSONValue {
        switch value {
        case .float32(let v): return .double(Double("\(v)") ?? Double(v))
        case .float64(let v): return .double(v)
        case .bool(let v): return .bool(v)
        case .string(let v): return .string(v)
        case .uint64(let v): return Int(exactly: v).map { .int($0) } ?? .double(Double(v))
        case .array(let array):
            if top && array.count > longArrayLimit {
                return .object(JSONObject([("type", .string(array.elementType.description)), ("count", .int(array.count))]))
            }
            return .array(array.map { json($0) })
        default: return .int(value.intValue ?? 0)
        }
    }
}
