import Logging
import Tensor

/// Tells a program once that its build runs slower kernels than the CPU could.
///
/// The kernel tier is fixed when the package is compiled (`KernelTier.active`), and a package that
/// depends on swiftllm cannot set the flags that select a faster one for its users. So the first
/// model a process loads checks `KernelTier.advice` and, where the CPU could do better, logs one
/// warning through swift-log (label `swiftllm.kernels`) naming the flags that fix it. Route or
/// silence it with `LoggingSystem.bootstrap`, or set the label's level above `.warning`.
public enum KernelNotice {
    /// The label of the logger the warning goes to.
    public static let label = "swiftllm.kernels"

    private static let reported: Void = {
        guard let advice = KernelTier.advice else { return }
        Logger(label: label).warning("\(advice)", metadata: [
            "active": "\(KernelTier.active.rawValue)", "cpu": "\(KernelTier.bestForThisCPU.rawValue)",
        ])
    }()

    /// Logs the warning if this build's tier is slower than the CPU's best; at most once per process.
    public static func reportOnce() { _ = reported }
}
