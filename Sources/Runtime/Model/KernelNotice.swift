import Logging
import Tensor

/// Tells a program once that its build runs slower kernels than the CPU could.
///
/// The kernel tier is fixed when the package is compiled (`KernelTier.active`), and a package that
/// depends on swiftllm cannot set the flags that select a faster one for its users. So the first
/// model a process loads checks `KernelTier.advice` and, where the CPU could do better, logs one
/// warning through swift-log (label `swiftllm.kernels`) naming the flags that fix it; otherwise it
/// logs the tier at `.debug`. Route or silence it with `LoggingSystem.bootstrap` (for example a
/// handler whose `logLevel` is above `.warning` for this label).
public enum KernelNotice {
    /// The label of the logger the warning goes to.
    public static let label = "swiftllm.kernels"

    private static let reported: Void = {
        let logger = Logger(label: label)
        let metadata: Logger.Metadata = ["active": "\(KernelTier.active.rawValue)", "cpu": "\(KernelTier.bestForThisCPU.rawValue)"]
        if let advice = KernelTier.advice {
            logger.warning("\(advice)", metadata: metadata)
        } else {
            logger.debug("kernels: \(KernelTier.active.rawValue), the best this CPU runs", metadata: metadata)
        }
    }()

    /// Logs the warning if this build's tier is slower than the CPU's best (the tier at `.debug` if
    /// not); at most once per process.
    public static func reportOnce() { _ = reported }
}
