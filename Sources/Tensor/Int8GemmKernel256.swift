#if SWIFTLLM_AVX2
import _Builtin_intrinsics.intel

/// The inner product of `Int8Gemm` in AVX2, which has no `vpdpbusd`: 16 weight rows (two
/// vectors of 8 rows × 4 bytes) × 4 tokens per pass, eight 16-bit accumulators in registers.
///
/// Per step of 4 columns, `vpmaddubsw` multiplies the unsigned weight bytes with one token's 4
/// signed activation bytes broadcast to every row and adds neighbouring products into 16 bits.
/// Those sums run for `Int8WeightFormat.wideEvery` steps (as long as they cannot overflow: a
/// whole 32-element block for 4-bit weights), then `vpmaddwd` with ones widens them into the
/// 32-bit sums. The integer sums are exact, so they equal `vpdpbusd`'s; after each sub-block they
/// are converted and accumulated as d_w·d_x·Σq·x (+ m·d_x·Σx for affine weights), with integer
/// weight offsets entering as the initial value −offset·Σx, as in `Int8GemmKernel.run`.
///
/// A pass keeps its 16 rows' weights in L1 for every token of the call: the tile's two halves are
/// taken one after the other, each chunk of columns with all tokens.
enum Int8GemmKernel256 {
    typealias Tile = Int8Gemm.Tile

    /// All tokens of `act` through `tile`, specialized for the format's sub-block size, its
    /// offsets and its 16-bit run. Each case is its own function with constant arguments: one
    /// call site with the constants as arguments was merged by LLVM into a single unspecialized
    /// body, whose loads and intrinsics were then compiled out of line (3× slower).
    static func multiply(
        _ tile: Tile, format: Int8WeightFormat, act: Int8Activations, y: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
        switch (format.blockSize, format.affine, min(format.wideEvery, format.blockSize / 4)) {
        case (32, true, 8): q4Affine(tile, act, y, rowStride)
        case (32, false, 8): q4Offset(tile, act, y, rowStride)
        case (32, true, 4): q5Affine(tile, act, y, rowStride)
        case (32, false, 4): q5Offset(tile, act, y, rowStride)
        case (16, true, 4): q2K(tile, act, y, rowStride)
        case (16, false, 4): q3K(tile, act, y, rowStride)
        case (16, false, 2): q6K(tile, act, y, rowStride)
        // Any other format: one step per widening (always exact for bytes up to 127).
        default: all(tile, act, y, rowStride, steps: format.blockSize / 4, wide: 1, affine: format.affine)
        }
    }

    /// Q4_1, Q4_K.
    @inline(never) static func q4Affine(_ tile: Tile, _ act: Int8Activations, _ y: UnsafeMutablePointer<Float>, _ rowStride: Int) {
        all(tile, act, y, rowStride, steps: 8, wide: 8, affine: true)
    }

    /// Q4_0.
    @inline(never) static func q4Offset(_ tile: Tile, _ act: Int8Activations, _ y: UnsafeMutablePointer<Float>, _ rowStride: Int) {
        all(tile, act, y, rowStride, steps: 8, wide: 8, affine: false)
    }

    /// Q5_1, Q5_K.
    @inline(never) static func q5Affine(_ tile: Tile, _ act: Int8Activations, _ y: UnsafeMutablePointer<Float>, _ rowStride: Int) {
        all(tile, act, y, rowStride, steps: 8, wide: 4, affine: true)
    }

    /// Q5_0.
    @inline(never) static func q5Offset(_ tile: Tile, _ act: Int8Activations, _ y: UnsafeMutablePointer<Float>, _ rowStride: Int) {
        all(tile, act, y, rowStride, steps: 8, wide: 4, affine: false)
    }

    @inline(never) static func q2K(_ tile: Tile, _ act: Int8Activations, _ y: UnsafeMutablePointer<Float>, _ rowStride: Int) {
        all(tile, act, y, rowStride, steps: 4, wide: 4, affine: true)
    }

    @inline(never) static func q3K(_ tile: Tile, _ act: Int8Activations, _ y: UnsafeMutablePointer<Float>, _ rowStride: Int) {
        all(tile, act, y, rowStride, steps: 4, wide: 4, affine: false)
    }

    @inline(never) static func q6K(_ tile: Tile, _ act: Int8Activations, _ y: UnsafeMutablePointer<Float>, _ rowStride: Int) {
        all(tile, act, y, rowStride, steps: 4, wide: 2, affine: false)
    }

    /// Columns per chunk at most: a half tile's chunk (16 rows × 1024 bytes) stays in L1 while
    /// every token passes over it. Without chunks, 8960-column tiles were streamed from L2 for
    /// each pair of tokens (Qwen2.5-1.5B's down projection at half the speed of the others).
    static let chunkColumns = 1024

    @inline(__always) static func all(
        _ tile: Tile, _ act: Int8Activations, _ y: UnsafeMutablePointer<Float>, _ rowStride: Int,
        steps: Int, wide: Int, affine: Bool
    ) {
        let blocks = act.blocks
        let chunks = (act.cols + chunkColumns - 1) / chunkColumns
        // Every chunk but the last the same size (any split: each block carries its scale).
        let chunkBlocks = (blocks + chunks - 1) / chunks
        let acc = UnsafeMutablePointer<Float>.allocate(capacity: 64)
        let ints = UnsafeMutablePointer<Int32>.allocate(capacity: 64)
        defer {
            acc.deallocate()
            ints.deallocate()
        }
        for half in 0..<(tile.rows > 16 ? 2 : 1) {
            for j0 in stride(from: 0, to: blocks, by: chunkBlocks) {
                let range = j0..<min(blocks, j0 + chunkBlocks)
                for t0 in stride(from: 0, to: act.tokens, by: Int8Gemm.tokenStep) {
                    pass(steps: steps, wide: wide, affine: affine, tile: tile, act: act, half: half, blocks: range, t0: t0,
                         acc: acc, ints: ints, y: y, rowStride: rowStride)
                }
            }
        }
    }

    @inline(__always) static func broadcast4(_ p: UnsafeRawPointer) -> __m256i {
        _mm256_set1_epi32(p.loadUnaligned(as: Int32.self))
    }

    @inline(__always) static func load(_ p: UnsafeRawPointer) -> __m256i {
        unsafeBitCast(p.loadUnaligned(as: SIMD32<UInt8>.self), to: __m256i.self)
    }

    /// Rows 16·half ..< 16·half + 16 of the tile for tokens t0 ..< t0 + 4 over the sub-blocks
    /// `blocks`, from zero for the first chunk, else on from the sums in `y` (the same float steps
    /// as one pass over all blocks). Eight 16-bit accumulators; the float sums wait in `acc` (64
    /// floats: token t's rows at 16t), touched once per sub-block, and where the 16-bit run is
    /// shorter than a sub-block (`wide` < `steps`), the earlier runs' 32-bit sums in `ints`.
    /// Kept in registers, those pushed the activation broadcasts onto the stack instead.
    /// Spanned activations (Q2_K, Q3_K, Q6_K) repeat the span's scale per block, so the float
    /// steps are those of the 32-element formats, but for Q2_K's offsets (Σq unscaled there).
    @inline(__always) static func pass(
        steps: Int, wide: Int, affine: Bool, tile: Tile, act: Int8Activations, half: Int, blocks: Range<Int>, t0: Int,
        acc: UnsafeMutablePointer<Float>, ints: UnsafeMutablePointer<Int32>, y: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
        let size = act.blockSize
        let spanned = act.scaleSpan > size
        let qa = UnsafeRawPointer(act.q + t0 * act.cols)
        let meta = t0 * act.blocks
        let x = act.scales + meta, e = act.sums + meta, c = act.corrections + meta
        let ones = _mm256_set1_epi16(1)
        let rows = min(16, tile.rows - 16 * half)
        let valid = min(Int8Gemm.tokenStep, act.tokens - t0)
        let out = y + t0 * rowStride + tile.r0 + 16 * half
        for t in 0..<4 {
            var (low, high) = (_mm256_setzero_ps(), _mm256_setzero_ps())
            if blocks.lowerBound > 0, t < valid { (low, high) = load(out + t * rowStride, rows: rows) }
            _mm256_storeu_ps(acc + 16 * t, low)
            _mm256_storeu_ps(acc + 16 * t + 8, high)
        }
        for j in blocks {
            let w = tile.q + j * 32 * size + half * 2 * steps * 32
            let a = qa + j * size * 4
            var p00 = _mm256_setzero_si256(), p01 = p00, p02 = p00, p03 = p00
            var p10 = p00, p11 = p00, p12 = p00, p13 = p00
            for s in 0..<steps {
                if s > 0, s % wide == 0 {
                    // A run ends: widen it into `ints` and start the next from zero.
                    @inline(__always) func spill(_ p: inout __m256i, _ slot: Int) {
                        let sum = _mm256_madd_epi16(p, ones)
                        let target = UnsafeMutableRawPointer(ints + 8 * slot)
                        let before = s == wide ? _mm256_setzero_si256() : target.loadUnaligned(as: __m256i.self)
                        target.storeBytes(of: _mm256_add_epi32(before, sum), as: __m256i.self)
                        p = _mm256_setzero_si256()
                    }
                    spill(&p00, 0); spill(&p10, 1); spill(&p01, 2); spill(&p11, 3)
                    spill(&p02, 4); spill(&p12, 5); spill(&p03, 6); spill(&p13, 7)
                }
                let w0 = load(w + 32 * s), w1 = load(w + 32 * (steps + s))
                let a0 = broadcast4(a + 16 * s)
                p00 = _mm256_add_epi16(p00, _mm256_maddubs_epi16(w0, a0))
                p10 = _mm256_add_epi16(p10, _mm256_maddubs_epi16(w1, a0))
                let a1 = broadcast4(a + 16 * s + 4)
                p01 = _mm256_add_epi16(p01, _mm256_maddubs_epi16(w0, a1))
                p11 = _mm256_add_epi16(p11, _mm256_maddubs_epi16(w1, a1))
                let a2 = broadcast4(a + 16 * s + 8)
                p02 = _mm256_add_epi16(p02, _mm256_maddubs_epi16(w0, a2))
                p12 = _mm256_add_epi16(p12, _mm256_maddubs_epi16(w1, a2))
                let a3 = broadcast4(a + 16 * s + 12)
                p03 = _mm256_add_epi16(p03, _mm256_maddubs_epi16(w0, a3))
                p13 = _mm256_add_epi16(p13, _mm256_maddubs_epi16(w1, a3))
            }
            let scales = tile.scales + 32 * j + 16 * half, offsets = tile.offsets + 32 * j + 16 * half
            @inline(__always) func finish(_ p: __m256i, _ v: Int, _ t: Int) {
                var i = _mm256_madd_epi16(p, ones)
                if wide < steps { i = _mm256_add_epi32(i, UnsafeRawPointer(ints + 8 * (2 * t + v)).loadUnaligned(as: __m256i.self)) }
                if !affine { i = _mm256_add_epi32(i, _mm256_set1_epi32(c[4 * j + t])) }
                let slot = acc + 16 * t + 8 * v
                let xt = x[4 * j + t]
                var f = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(_mm256_loadu_ps(scales + 8 * v), _mm256_set1_ps(xt)),
                                        _mm256_loadu_ps(slot))
                if affine {
                    let et = spanned ? e[4 * j + t] * xt : e[4 * j + t]
                    f = _mm256_fmadd_ps(_mm256_loadu_ps(offsets + 8 * v), _mm256_set1_ps(et), f)
                }
                _mm256_storeu_ps(slot, f)
            }
            finish(p00, 0, 0); finish(p10, 1, 0)
            finish(p01, 0, 1); finish(p11, 1, 1)
            finish(p02, 0, 2); finish(p12, 1, 2)
            finish(p03, 0, 3); finish(p13, 1, 3)
        }
        for t in 0..<valid {
            store(_mm256_loadu_ps(acc + 16 * t), _mm256_loadu_ps(acc + 16 * t + 8), out + t * rowStride, rows: rows)
        }
    }

    /// Rows 0..<rows of the two 8-row vectors at `out` (zeros above `rows`).
    @inline(__always) static func load(_ out: UnsafeMutablePointer<Float>, rows: Int) -> (__m256, __m256) {
        if rows == 16 { return (_mm256_loadu_ps(out), _mm256_loadu_ps(out + 8)) }
        var low = SIMD8<Float>(), high = SIMD8<Float>()
        for r in 0..<min(rows, 8) { low[r] = out[r] }
        for r in 0..<max(0, rows - 8) { high[r] = out[8 + r] }
        return (low, high)
    }

    /// Rows 0..<rows of the two 8-row vectors at `out`.
    @inline(__always) static func store(_ low: __m256, _ high: __m256, _ out: UnsafeMutablePointer<Float>, rows: Int) {
        if rows == 16 {
            _mm256_storeu_ps(out, low)
            _mm256_storeu_ps(out + 8, high)
            return
        }
        for r in 0..<min(rows, 8) { out[r] = low[r] }
        for r in 0..<max(0, rows - 8) { out[8 + r] = high[r] }
    }
}
#endif
