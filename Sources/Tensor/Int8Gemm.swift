#if SWIFTLLM_X86_SIMD || SWIFTLLM_AVX2
import Synchronization

/// Prefill matrix products with int8 activations: `MatMul.Strategy.int8`, with AVX-512 VNNI
/// (`Int8GemmKernel`) or AVX2 (`Int8GemmKernel256`).
///
/// Per call: the activations are quantized once (blocks of the weights' sub-block size, see
/// `Int8Activations`); then the workers take 32-row tiles from a shared counter (so that a worker
/// slowed down by other processes on the cores does not hold up the rest), unpack the weights of
/// all columns into a packed tile (`Tile`) and multiply it with every token, so the unpacking is
/// amortized over the tokens.
enum Int8Gemm {
    /// Rows per packed tile.
    static let tileRows = 32
    /// Tokens per group of the activations' interleaved layout.
    static let tokenStep = 4
    #if SWIFTLLM_X86_SIMD
    /// Rows per weight vector: 16 rows × 4 bytes in 512 bits.
    static let lanes = 16
    #else
    /// Rows per weight vector: 8 rows × 4 bytes in 256 bits.
    static let lanes = 8
    #endif

    /// One packed tile: `rows` (≤ 32) rows of all columns, laid out sub-block by sub-block, each
    /// sub-block as 32/`lanes` vectors of `lanes` rows × 4 bytes per step of 4 columns (all steps
    /// of one vector, then the next vector's).
    struct Tile {
        let q: UnsafeRawPointer
        let scales: UnsafePointer<Float>
        let offsets: UnsafePointer<Float>
        let r0: Int, rows: Int
    }

    static func supports(_ type: GGMLType) -> Bool { Int8WeightFormat.of(type) != nil }

    /// y = X·Wᵀ as in `MatMul.matmul`; false (nothing computed) when `type` has no int8 format.
    static func matmul(
        weights: UnsafeRawPointer, type: GGMLType, rows: Int, cols: Int, rowBytes: Int,
        x: UnsafePointer<Float>, tokens: Int, y: UnsafeMutablePointer<Float>, pool: ThreadPool
    ) -> Bool {
        guard let format = Int8WeightFormat.of(type), cols % format.scaleSpan == 0 else { return false }
        let act = Int8Activations(cols: cols, blockSize: format.blockSize, scaleSpan: format.scaleSpan, tokens: tokens)
        defer { act.deallocate() }
        pool.run { worker, workers in
            act.quantize(x, tokens: ThreadPool.split(tokens, worker: worker, of: workers), offset: format.offset)
        }
        let nextTile = Atomic<Int>(0)
        pool.run { _, _ in
            let blocks = cols / format.blockSize
            let q = UnsafeMutableRawPointer.allocate(byteCount: tileRows * cols, alignment: 64)
            let scales = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * blocks)
            let offsets = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * blocks)
            let row = UnsafeMutablePointer<UInt8>.allocate(capacity: cols)
            let rowScales = UnsafeMutablePointer<Float>.allocate(capacity: blocks)
            let rowOffsets = UnsafeMutablePointer<Float>.allocate(capacity: blocks)
            rowOffsets.initialize(repeating: 0, count: blocks)
            defer {
                for p in [q, UnsafeMutableRawPointer(scales), UnsafeMutableRawPointer(offsets),
                          UnsafeMutableRawPointer(row), UnsafeMutableRawPointer(rowScales),
                          UnsafeMutableRawPointer(rowOffsets)] { p.deallocate() }
            }
            while true {
                let r0 = nextTile.wrappingAdd(1, ordering: .relaxed).oldValue * tileRows
                guard r0 < rows else { break }
                let n = min(tileRows, rows - r0)
                if n < tileRows {
                    q.initializeMemory(as: UInt8.self, repeating: 0, count: tileRows * cols)
                    scales.initialize(repeating: 0, count: tileRows * blocks)
                    offsets.initialize(repeating: 0, count: tileRows * blocks)
                }
                for r in 0..<n {
                    format.unpackRow(weights + (r0 + r) * rowBytes, cols, row, rowScales, rowOffsets)
                    pack(row: r, q: row, scales: rowScales, offsets: rowOffsets, blockSize: format.blockSize,
                         blocks: blocks, into: q, tileScales: scales, tileOffsets: offsets)
                }
                let tile = Tile(q: q, scales: scales, offsets: offsets, r0: r0, rows: n)
                multiply(tile, format: format, act: act, y: y, rowStride: rows)
            }
        }
        return true
    }

    /// Scatters one unpacked row into the tile: 4-byte groups to lane `r % lanes` of vector `r / lanes`.
    @inline(__always) static func pack(
        row r: Int, q: UnsafePointer<UInt8>, scales: UnsafePointer<Float>, offsets: UnsafePointer<Float>,
        blockSize: Int, blocks: Int,
        into tile: UnsafeMutableRawPointer, tileScales: UnsafeMutablePointer<Float>, tileOffsets: UnsafeMutablePointer<Float>
    ) {
        let steps = blockSize / 4
        let vectorBytes = 4 * lanes
        let lane = tile + (r / lanes) * steps * vectorBytes + (r % lanes) * 4
        let src = UnsafeRawPointer(q)
        for j in 0..<blocks {
            let dst = lane + j * 32 * blockSize
            for s in 0..<steps {
                dst.storeBytes(of: src.loadUnaligned(fromByteOffset: j * blockSize + 4 * s, as: UInt32.self),
                               toByteOffset: vectorBytes * s, as: UInt32.self)
            }
            tileScales[32 * j + r] = scales[j]
            tileOffsets[32 * j + r] = offsets[j]
        }
    }

    /// All tokens through one tile, with the kernel specialized for the format's sub-block size:
    /// 32-element blocks carry their own activation scale, 16-element sub-blocks share one per
    /// 256-element span (`Int8WeightFormat.scaleSpan`).
    static func multiply(
        _ tile: Tile, format: Int8WeightFormat, act: Int8Activations,
        y: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
        #if !SWIFTLLM_X86_SIMD
        Int8GemmKernel256.multiply(tile, format: format, act: act, y: y, rowStride: rowStride)
        #else
        switch (format.blockSize, format.affine) {
        case (32, true): tokens(tile, act, y, rowStride, steps: 8, affine: true)
        case (32, false): tokens(tile, act, y, rowStride, steps: 8, affine: false)
        case (16, true): spans(tile, act, y, rowStride, steps: 4, affine: true, blocks: format.scaleSpan / 16)
        default: spans(tile, act, y, rowStride, steps: 4, affine: false, blocks: format.scaleSpan / 16)
        }
        #endif
    }

    #if SWIFTLLM_X86_SIMD
    @inline(__always) static func spans(
        _ tile: Tile, _ act: Int8Activations, _ y: UnsafeMutablePointer<Float>, _ rowStride: Int,
        steps: Int, affine: Bool, blocks: Int
    ) {
        for t0 in stride(from: 0, to: act.paddedTokens, by: tokenStep) {
            Int8GemmKernel.runSpans(steps: steps, affine: affine, spanBlocks: blocks, tile: tile, act: act, t0: t0,
                                    y: y, rowStride: rowStride)
        }
    }

    @inline(__always) static func tokens(
        _ tile: Tile, _ act: Int8Activations, _ y: UnsafeMutablePointer<Float>, _ rowStride: Int,
        steps: Int, affine: Bool
    ) {
        for t0 in stride(from: 0, to: act.paddedTokens, by: tokenStep) {
            Int8GemmKernel.run(steps: steps, affine: affine, tile: tile, act: act, t0: t0, y: y, rowStride: rowStride)
        }
    }
    #endif
}
#endif
