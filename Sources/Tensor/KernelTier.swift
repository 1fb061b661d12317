import Foundation

/// Which kernels this build runs: chosen when the package is compiled (Swift has no per-function
/// target features), reported so that a build that misses its CPU's fast path can say so.
public enum KernelTier: String, Sendable, CaseIterable {
    /// Plain Swift loops, auto-vectorised for whatever `-target-cpu` the build used (other CPUs
    /// than x86-64 today; NEON kernels are not written yet).
    case portable
    /// x86-64 without speed flags (SwiftPM's default for a dependency): SSE2 intrinsics, which
    /// every x86-64 CPU has, for Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K and Q6_K and the F16 KV cache.
    case sse2
    /// AVX2 intrinsics (`-DSWIFTLLM_AVX2 -target-cpu native` on a CPU with AVX2, FMA and F16C).
    case avx2
    /// AVX-512 F/BW/VL + VNNI intrinsics (`-DSWIFTLLM_X86_SIMD -target-cpu native`).
    case avx512

    /// The tier compiled into this build.
    public static var active: KernelTier {
        #if SWIFTLLM_X86_SIMD
        return .avx512
        #elseif SWIFTLLM_AVX2
        return .avx2
        #elseif arch(x86_64)
        return .sse2
        #else
        return .portable
        #endif
    }

    /// The several-rows kernel of `type` in this build's tier, if it has one.
    static func rowsKernel(for type: GGMLType) -> RowsDot? {
        #if SWIFTLLM_X86_SIMD
        return X86Dot.rowsKernel(for: type)
        #elseif SWIFTLLM_AVX2
        return AVX2Dot.kernels(for: type)
        #elseif arch(x86_64) && !SWIFTLLM_X86_SIMD
        return SSE2Dot.kernels(for: type)
        #else
        return nil
        #endif
    }

    /// The band form of the several-rows kernel of `type` in this build's tier, if it has one.
    static func rowsBandKernel(for type: GGMLType) -> RowsBandDot? {
        #if SWIFTLLM_X86_SIMD
        return X86Dot.rowsBandKernel(for: type)
        #elseif SWIFTLLM_AVX2
        return AVX2Dot.bandKernels(for: type)
        #else
        return nil
        #endif
    }

    /// The several-weight-rows kernel of `type` in this build's tier, if it has one.
    static func weightRowsKernel(for type: GGMLType) -> WeightRowsDot? {
        #if SWIFTLLM_X86_SIMD
        return X86Dot.weightRowsKernel(for: type)
        #elseif SWIFTLLM_AVX2
        // Decode: the band form with one activation row (one call for a worker's rows).
        guard let band = AVX2Dot.bandKernels(for: type) else { return nil }
        let rows: WeightRowsDot = { w, rowBytes, count, a, n, out in band(w, rowBytes, count, a, 0, 1, n, out, 0) }
        return rows
        #else
        return nil
        #endif
    }

    /// `rows` as a one-row `VecDot`.
    static func single(_ rows: @escaping RowsDot) -> VecDot {
        { w, a, n in
            var result: Float = 0
            withUnsafeMutablePointer(to: &result) { rows(w, a, 0, 1, n, $0, 0) }
            return result
        }
    }
}

extension KernelTier {
    /// The fastest tier this CPU can run, from the flags in /proc/cpuinfo (x86-64 Linux); the
    /// active tier where that cannot be read.
    public static let bestForThisCPU: KernelTier = {
        #if arch(x86_64) && os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return active }
        let flags = Set(line.split(separator: " ").map(String.init))
        if ["avx2", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"].allSatisfy(flags.contains) { return .avx512 }
        if ["avx2", "fma", "f16c"].allSatisfy(flags.contains) { return .avx2 }
        return .sse2
        #else
        return active
        #endif
    }()

    /// The compiler flags that build `tier` (for `swift build`, `swift test` or `swift run`).
    public static func flags(for tier: KernelTier) -> String {
        switch tier {
        case .portable, .sse2: ""
        case .avx2: "-Xswiftc -target-cpu -Xswiftc native -Xswiftc -DSWIFTLLM_AVX2"
        case .avx512: "-Xswiftc -target-cpu -Xswiftc native -Xswiftc -DSWIFTLLM_X86_SIMD"
        }
    }

    /// What a build that runs slower kernels than its CPU allows should be told, or nil.
    public static var advice: String? { advice(active: active, best: bestForThisCPU) }

    /// What a build of tier `active` on a CPU whose best tier is `best` should be told, or nil
    /// when `active` is already the best (or the better tier needs no flags: SSE2 is any x86-64
    /// build's).
    public static func advice(active: KernelTier, best: KernelTier) -> String? {
        guard let a = allCases.firstIndex(of: active), let b = allCases.firstIndex(of: best), b > a,
              !flags(for: best).isEmpty else { return nil }
        return "this build runs the \(active.rawValue) kernels but the CPU can run \(best.rawValue): "
            + "build with `\(flags(for: best))` for faster decoding (README: Use as a library)"
    }
}
