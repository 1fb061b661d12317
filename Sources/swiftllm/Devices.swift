import ArgumentParser
import Foundation
import Tensor

/// `swiftllm devices`: what Vulkan sees.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the Vulkan devices (`--backend vulkan --device N`).")

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let devices: [VulkanDeviceInfo]
        do {
            devices = try Vulkan.devices()
        } catch {
            throw CLIError(error.description)
        }
        if json {
            let rows = devices.map { d -> [String: Any] in
                ["index": d.index, "name": d.name, "kind": d.kind.rawValue, "api": d.apiVersion,
                 "device_local_bytes": d.deviceLocalBytes, "compute": d.hasCompute]
            }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        guard !devices.isEmpty else { throw CLIError(VulkanError.noDevice.description) }
        for d in devices {
            let memory = String(format: "%.1f GiB", Double(d.deviceLocalBytes) / Double(1 << 30))
            print("\(d.index): \(d.name) (\(d.kind.rawValue), Vulkan \(d.apiVersion), \(memory)\(d.hasCompute ? "" : ", no compute queue"))")
        }
    }
}
