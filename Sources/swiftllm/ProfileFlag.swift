import ArgumentParser
import Foundation
import Runtime
import Tensor

/// `--profile`: time every shader of the device passes (Vulkan timestamp queries) and print a
/// table of device time per shader at the end (`run`, `bench`, `perplexity`).
struct ProfileFlag: ParsableArguments {
    @Flag(help: "Time each shader on the device (timestamp queries; needs --backend vulkan) and print device time per shader at the end.")
    var profile = false

    /// Starts profiling `model` when asked.
    func start(_ model: Model) throws {
        guard profile else { return }
        try model.startProfiling()
    }

    /// The table (or, with `json`, one JSON line) of `model`'s profile, when asked.
    func report(_ model: Model, json: Bool = false) -> String? {
        guard profile, let timings = model.deviceProfile else { return nil }
        return json ? Self.json(timings) : Self.table(timings)
    }

    /// Writes the table to stderr, when asked (`run`, `perplexity`: stdout carries their output).
    func reportOnStandardError(_ model: Model) {
        if let table = report(model) { FileHandle.standardError.write(Data((table + "\n").utf8)) }
    }

    /// Op, calls, total ms, µs per call and share of the device time, longest first.
    static func table(_ timings: [VulkanOpTiming]) -> String {
        let total = timings.reduce(0) { $0 + $1.seconds }
        var lines = [String(format: "device time per shader (timestamps), %.1f ms in all", total * 1000),
                     "shader                 calls     total ms    µs/call   share"]
        for t in timings {
            lines.append(String(format: "%@ %8d %12.2f %10.1f %6.1f %%", t.name.padding(toLength: 20, withPad: " ", startingAt: 0),
                                t.calls, t.seconds * 1000, t.seconds / Double(max(t.calls, 1)) * 1e6,
                                total > 0 ? t.seconds / total * 100 : 0))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ timings: [VulkanOpTiming]) -> String {
        let rows = timings.map { ["shader": $0.name, "calls": $0.calls, "seconds": $0.seconds] as [String: Any] }
        guard let data = try? JSONSerialization.data(withJSONObject: ["profile": rows], options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
