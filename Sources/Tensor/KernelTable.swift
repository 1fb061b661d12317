/// Dot product of one weight row (`n` elements of the weight type) with one activation row of
/// `n` elements made by `KernelTable.quantizeActivations` (kernels may read its `ActivationTail`).
public typealias VecDot = @Sendable (_ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer, _ n: Int) -> Float

/// Dot products of one weight row (`n` elements) with `count` activation rows `activationStride`
/// bytes apart; the product with row `r` goes to `out[r · outStride]`. Each weight block is
/// unpacked once for all the rows, and each result is bit-identical to `VecDot` on that row alone.
public typealias RowsDot = @Sendable (
    _ weights: UnsafeRawPointer, _ activations: UnsafeRawPointer, _ activationStride: Int, _ count: Int, _ n: Int,
    _ out: UnsafeMutablePointer<Float>, _ outStride: Int
) -> Void

/// `RowsDot` over `weightRows` consecutive weight rows (`rowBytes` apart): the product of weight
/// row r with activation row t goes to `out[r + t · outStride]`. What a call sets up per activation
/// row is done once for the band, not once per weight row; results are `RowsDot`'s.
public typealias RowsBandDot = @Sendable (
    _ weights: UnsafeRawPointer, _ rowBytes: Int, _ weightRows: Int, _ activations: UnsafeRawPointer,
    _ activationStride: Int, _ count: Int, _ n: Int, _ out: UnsafeMutablePointer<Float>, _ outStride: Int
) -> Void

/// Dot products of `count` consecutive weight rows (`rowBytes` apart, `n` elements each) with one
/// activation row; row r's goes to `out[r]`. Each result is bit-identical to `VecDot` on that row.
public typealias WeightRowsDot = @Sendable (
    _ weights: UnsafeRawPointer, _ rowBytes: Int, _ count: Int, _ activations: UnsafeRawPointer, _ n: Int,
    _ out: UnsafeMutablePointer<Float>
) -> Void

/// What the matrix kernels need to know about one weight type.
public struct TypeTraits: Sendable {
    /// The weight type.
    public let type: GGMLType
    /// The format activations are converted to before dot products: `.f32` for float weights,
    /// `.q8_0` for Q4_0/Q5_0/Q8_0, `.q8_1` for Q4_1/Q5_1, `.q8_K` for the K-quants.
    public let activationType: GGMLType
    /// The fastest dot product this build has for the type.
    public let vecDot: VecDot
    /// The portable dot product (the tier the SIMD kernels are tested against).
    public let portableDot: VecDot
    /// The several-rows form of `vecDot`, where this build's tier has one.
    public let rowsDot: RowsDot?
    /// The several-weight-rows form of `vecDot` (decode), where this build's tier has one.
    public let weightRowsDot: WeightRowsDot?
    /// `rowsDot` over a band of weight rows, where this build's tier has one.
    public let rowsBandDot: RowsBandDot?

    /// out[r] = row r · activation for `count` rows from `weights`.
    @inline(__always)
    public func dotRows(_ weights: UnsafeRawPointer, rowBytes: Int, count: Int, _ activation: UnsafeRawPointer, n: Int,
                        into out: UnsafeMutablePointer<Float>) {
        if let weightRowsDot {
            weightRowsDot(weights, rowBytes, count, activation, n, out)
        } else {
            for r in 0..<count { out[r] = vecDot(weights + r * rowBytes, activation, n) }
        }
    }

    /// Bytes of one activation row of `cols` elements in `activationType`, with its
    /// `ActivationTail` where the format has one.
    public func activationRowBytes(cols: Int) -> Int {
        let blocks = cols / activationType.blockSize
        return blocks * activationType.typeSize + ActivationTail.bytes(activationType, blocks: blocks)
    }
}

/// The per-type dispatch table, filled once.
public enum KernelTable {
    /// Traits of every weight type with matrix kernels, keyed by type.
    public static let traits: [GGMLType: TypeTraits] = {
        var table: [GGMLType: TypeTraits] = [:]
        func add(_ type: GGMLType, _ activation: GGMLType, _ portable: @escaping VecDot) {
            let rows = KernelTier.rowsKernel(for: type)
            let fast = X86Dot.kernel(for: type) ?? rows.map(KernelTier.single) ?? portable
            table[type] = TypeTraits(type: type, activationType: activation, vecDot: fast, portableDot: portable,
                                     rowsDot: rows, weightRowsDot: KernelTier.weightRowsKernel(for: type),
                                     rowsBandDot: KernelTier.rowsBandKernel(for: type))
        }
        add(.f32, .f32, PortableDot.f32)
        add(.f16, .f32, PortableDot.f16)
        add(.bf16, .f32, PortableDot.bf16)
        add(.q4_0, .q8_0, PortableDot.q4_0)
        add(.q4_1, .q8_1, PortableDot.q4_1)
        add(.q5_0, .q8_0, PortableDot.q5_0)
        add(.q5_1, .q8_1, PortableDot.q5_1)
        add(.q8_0, .q8_0, PortableDot.q8_0)
        add(.q2_K, .q8_K, PortableDot.q2_K)
        add(.q3_K, .q8_K, PortableDot.q3_K)
        add(.q4_K, .q8_K, PortableDot.q4_K)
        add(.q5_K, .q8_K, PortableDot.q5_K)
        add(.q6_K, .q8_K, PortableDot.q6_K)
        return table
    }()

    /// Whether `matvec`/`matmul` accept weights of `type`.
    public static func supports(_ type: GGMLType) -> Bool { traits[type] != nil }

    /// The traits of `type`, or an error naming the type.
    public static func traits(for type: GGMLType) throws(KernelError) -> TypeTraits {
        guard let found = traits[type] else { throw .unsupportedType(type, operation: "matrix product") }
        return found
    }

    static func fastQuantizer(_ type: GGMLType) -> ((UnsafePointer<Float>, UnsafeMutableRawPointer, Int) -> Void)? {
        #if SWIFTLLM_X86_SIMD
        return X86Quantize.rows(type)
        #else
        return nil
        #endif
    }

    /// Converts `cols` floats into `traits.activationType` at `dst` (a plain copy for F32), followed
    /// by the format's `ActivationTail`: `traits.activationRowBytes(cols:)` bytes in all.
    public static func quantizeActivations(
        _ x: UnsafePointer<Float>, cols: Int, for traits: TypeTraits, into dst: UnsafeMutableRawPointer
    ) throws(KernelError) {
        if traits.activationType == .f32 {
            dst.copyMemory(from: x, byteCount: cols * 4)
        } else if let fast = fastQuantizer(traits.activationType), cols % traits.activationType.blockSize == 0 {
            fast(x, dst, cols) // writes the tail too
        } else {
            try Quants.quantize(traits.activationType, from: x, into: dst, count: cols)
            ActivationTail.fill(traits.activationType, row: dst, blocks: cols / traits.activationType.blockSize)
        }
    }
}
