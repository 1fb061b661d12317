/// The shaders of `Kernels/` and the interface each one has (buffers bound, push constants);
/// the shader sources document their parameters.
extension VulkanKernel {
    /// y = W·x for `tokens` inputs, W of `type` (`matvec_<type>.comp`): bindings W, x, y; push
    /// rows, cols, rowBytes, tokens, wOffset (bytes), xOffset, xStride, yOffset, yStride (floats).
    /// Each workgroup computes `rowsPerGroup` rows (1, 2, 4, 8 or 16; see
    /// `VulkanDevice.matvecRowsPerGroup`). Nil when no shader multiplies `type`.
    public static func matvec(_ type: GGMLType, rowsPerGroup: Int = 4) -> VulkanKernel? {
        let name = "matvec_" + type.name.lowercased()
        guard ShaderLibrary.base64[name] != nil, [1, 2, 4, 8, 16].contains(rowsPerGroup) else { return nil }
        return VulkanKernel(name: name, bindings: 3, pushWords: 9, specialization: [UInt32(rowsPerGroup)])
    }

    /// y = W·x for `tokens` inputs as a tiled product (`matmul_<type>.comp`, for prefill): the
    /// same bindings and push constants as `matvec`; workgroups from `matmulGroups`. Each weight
    /// is dequantized once per 32 tokens (the matvec: once per 8). Nil when no shader
    /// multiplies `type`.
    public static func matmul(_ type: GGMLType) -> VulkanKernel? {
        let name = "matmul_" + type.name.lowercased()
        guard ShaderLibrary.base64[name] != nil else { return nil }
        return VulkanKernel(name: name, bindings: 3, pushWords: 9)
    }

    /// Workgroups for a tiled product: 64 rows × 32 tokens each.
    public static func matmulGroups(rows: Int, tokens: Int) -> (Int, Int, Int) {
        ((rows + 63) / 64, (tokens + 31) / 32, 1)
    }

    /// Workgroups for a matvec over `rows` rows, `rowsPerGroup` rows per workgroup, 32768
    /// workgroups per grid row.
    public static func matvecGroups(rows: Int, rowsPerGroup: Int = 4) -> (Int, Int, Int) {
        let groups = (rows + rowsPerGroup - 1) / rowsPerGroup
        return (min(groups, 32768), (groups + 32767) / 32768, 1)
    }

    /// Bindings arena, vectors; push n, rows, xOff, xStride, outOff, outStride, wOff, eps bits.
    public static let rmsNorm = VulkanKernel(name: "rms_norm", bindings: 2, pushWords: 8)
    /// Bindings arena, vectors; push n, aOff, bOff, outOff, bPeriod, bInVectors.
    public static let add = VulkanKernel(name: "add", bindings: 2, pushWords: 6)
    /// Binding arena; push n, rows, gateOff, gateStride, upOff, upStride, outOff, outStride, kind.
    public static let glu = VulkanKernel(name: "glu", bindings: 1, pushWords: 9)
    /// Bindings arena, io (angle tables); push heads, headDim, dims, tokens, xOff, xStride, tableOff, style.
    public static let rope = VulkanKernel(name: "rope", bindings: 2, pushWords: 8)
    /// Bindings arena, io (factors); push n, rows, xOff, xStride, factorOff.
    public static let scaleRows = VulkanKernel(name: "scale_rows", bindings: 2, pushWords: 5)
    /// Bindings arena, cache; push pairs, rows, srcOff, srcStride, dstOff, dstStride.
    public static let kvStore = VulkanKernel(name: "kv_store", bindings: 2, pushWords: 6)
    /// Bindings arena, cache; push headDim, valueDim, heads, kvHeads, tokens, firstPosition, window,
    /// scale bits, qOff, qStride, outOff, outStride, kOff, kStride, vOff, vStride.
    public static let attention = VulkanKernel(name: "attention", bindings: 2, pushWords: 16)

    /// Workgroups covering `n` items with `size` items per workgroup, spread over a second grid
    /// dimension past 4096 groups (shaders index items as x + y · gridWidth · size).
    public static func spread(_ n: Int, size: Int) -> (Int, Int, Int) {
        let groups = max(1, (n + size - 1) / size)
        return (min(groups, 4096), (groups + 4095) / 4096, 1)
    }
}
