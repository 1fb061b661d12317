import Foundation
import Runtime
import Tensor

/// `swiftllm inspect --system`: the machine and the kernels this build runs on it.
enum SystemSummary {
    static func text(json: Bool) -> String {
        let active = KernelTier.active, best = KernelTier.bestForThisCPU
        let threads = ProcessInfo.processInfo.activeProcessorCount
        if json {
            var object = JSONObject()
            object["cpu"] = .string(KernelBench.cpuName())
            object["threads"] = .int(threads)
            object["kernel_tier"] = .string(active.rawValue)
            object["best_tier"] = .string(best.rawValue)
            object["best_tier_flags"] = .string(KernelTier.flags(for: best))
            object["advice"] = KernelTier.advice.map(JSONValue.string) ?? .null
            return JSONValue.object(object).compactText + "\n"
        }
        var lines = [
            "cpu: \(KernelBench.cpuName()), \(threads) threads",
            "kernel tier: \(active.rawValue) (compiled in)",
            "best tier for this CPU: \(best.rawValue)" + (KernelTier.flags(for: best).isEmpty ? "" : " (\(KernelTier.flags(for: best)))"),
        ]
        if let advice = KernelTier.advice { lines.append("note: \(advice)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
