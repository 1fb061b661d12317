#if SWIFTLLM_X86_SIMD
import _Builtin_intrinsics.intel

/// The register-blocked inner product of `Int8Gemm`: 32 weight rows (two 512-bit vectors of 16
/// rows) × 4 tokens, 8 int32 and 8 float accumulators.
///
/// Per sub-block and 4 columns, one vector holds 4 unsigned weight bytes of each of 16 rows and
/// `vpdpbusd` multiplies it with 4 signed activation bytes of one token broadcast to every lane.
/// After each sub-block the int32 sums are converted and accumulated as d_w·d_x·Σq·x (+ m·d_x·Σx
/// for affine weights); integer weight offsets enter as the initial value −offset·Σx. With
/// activation scales per span (`runSpans`), d_x multiplies once at each span's end instead.
enum Int8GemmKernel {
    typealias Tile = Int8Gemm.Tile

    @inline(__always) static func broadcast4(_ p: UnsafeRawPointer) -> __m512i {
        _mm512_set1_epi32(p.loadUnaligned(as: Int32.self))
    }

    @inline(__always) static func fmaInt(_ i: __m512i, _ d: __m512, _ x: Float, _ acc: __m512) -> __m512 {
        _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), _mm512_mul_ps(d, _mm512_set1_ps(x)), acc)
    }

    /// The 8 integer sums of sub-block `j` (2 row vectors × 4 tokens), started from the integer
    /// offset corrections for non-affine weights.
    @inline(__always) static func integerSums(
        steps: Int, affine: Bool, tile: Tile, qa: UnsafeRawPointer, c: UnsafePointer<Int32>, j: Int, size: Int
    ) -> (__m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i) {
        let w = tile.q + j * 32 * size
        var i00, i01, i02, i03: __m512i
        if affine {
            i00 = _mm512_setzero_si512(); i01 = i00; i02 = i00; i03 = i00
        } else {
            i00 = _mm512_set1_epi32(c[4 * j]); i01 = _mm512_set1_epi32(c[4 * j + 1])
            i02 = _mm512_set1_epi32(c[4 * j + 2]); i03 = _mm512_set1_epi32(c[4 * j + 3])
        }
        var i10 = i00, i11 = i01, i12 = i02, i13 = i03
        let a = qa + j * size * 4
        for s in 0..<steps {
            let w0 = X86Dot.load512(w + 64 * s), w1 = X86Dot.load512(w + 64 * (steps + s))
            let a0 = broadcast4(a + 16 * s), a1 = broadcast4(a + 16 * s + 4)
            let a2 = broadcast4(a + 16 * s + 8), a3 = broadcast4(a + 16 * s + 12)
            i00 = _mm512_dpbusd_epi32(i00, w0, a0); i10 = _mm512_dpbusd_epi32(i10, w1, a0)
            i01 = _mm512_dpbusd_epi32(i01, w0, a1); i11 = _mm512_dpbusd_epi32(i11, w1, a1)
            i02 = _mm512_dpbusd_epi32(i02, w0, a2); i12 = _mm512_dpbusd_epi32(i12, w1, a2)
            i03 = _mm512_dpbusd_epi32(i03, w0, a3); i13 = _mm512_dpbusd_epi32(i13, w1, a3)
        }
        return (i00, i01, i02, i03, i10, i11, i12, i13)
    }

    /// Eight float accumulators: tokens 0…3 of the tile's first 16 rows, then of its last 16.
    typealias Sums = (__m512, __m512, __m512, __m512, __m512, __m512, __m512, __m512)

    /// `f` plus the affine weights' offset term of sub-block `j`: each row's offset `m` times each
    /// token's activation sum `e`.
    @inline(__always) static func addOffsets(_ f: Sums, tile: Tile, e: UnsafePointer<Float>, j: Int) -> Sums {
        let m0 = _mm512_loadu_ps(tile.offsets + 32 * j), m1 = _mm512_loadu_ps(tile.offsets + 32 * j + 16)
        let e0 = _mm512_set1_ps(e[4 * j]), e1 = _mm512_set1_ps(e[4 * j + 1])
        let e2 = _mm512_set1_ps(e[4 * j + 2]), e3 = _mm512_set1_ps(e[4 * j + 3])
        return (_mm512_fmadd_ps(m0, e0, f.0), _mm512_fmadd_ps(m0, e1, f.1),
                _mm512_fmadd_ps(m0, e2, f.2), _mm512_fmadd_ps(m0, e3, f.3),
                _mm512_fmadd_ps(m1, e0, f.4), _mm512_fmadd_ps(m1, e1, f.5),
                _mm512_fmadd_ps(m1, e2, f.6), _mm512_fmadd_ps(m1, e3, f.7))
    }

    /// Stores tokens t0..<t0+4 (those below `act.tokens`) of the tile's rows.
    @inline(__always) static func store(
        _ f: Sums,
        tile: Tile, act: Int8Activations, t0: Int, y: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
        let low = UInt16(truncatingIfNeeded: (1 << min(16, tile.rows)) - 1)
        let high = UInt16(truncatingIfNeeded: (1 << max(0, min(16, tile.rows - 16))) - 1)
        let valid = act.tokens - t0
        @inline(__always) func store(_ t: Int, _ a: __m512, _ b: __m512) {
            guard t < valid else { return }
            let out = y + (t0 + t) * rowStride + tile.r0
            _mm512_mask_storeu_ps(out, low, a)
            _mm512_mask_storeu_ps(out + 16, high, b)
        }
        store(0, f.0, f.4)
        store(1, f.1, f.5)
        store(2, f.2, f.6)
        store(3, f.3, f.7)
    }

    /// Outputs of tokens t0..<t0+4 for the tile's rows into `y` (`tokens × rowStride`), one
    /// activation scale per block.
    @inline(__always) static func run(
        steps: Int, affine: Bool, tile: Tile, act: Int8Activations, t0: Int,
        y: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
        let blocks = act.blocks, size = act.blockSize
        let qa = UnsafeRawPointer(act.q + t0 * act.cols)
        let meta = t0 * blocks
        let x = act.scales + meta, e = act.sums + meta, c = act.corrections + meta
        var f00 = _mm512_setzero_ps(), f01 = f00, f02 = f00, f03 = f00
        var f10 = f00, f11 = f00, f12 = f00, f13 = f00
        for j in 0..<blocks {
            let (i00, i01, i02, i03, i10, i11, i12, i13) =
                integerSums(steps: steps, affine: affine, tile: tile, qa: qa, c: c, j: j, size: size)
            let d0 = _mm512_loadu_ps(tile.scales + 32 * j), d1 = _mm512_loadu_ps(tile.scales + 32 * j + 16)
            f00 = fmaInt(i00, d0, x[4 * j], f00); f10 = fmaInt(i10, d1, x[4 * j], f10)
            f01 = fmaInt(i01, d0, x[4 * j + 1], f01); f11 = fmaInt(i11, d1, x[4 * j + 1], f11)
            f02 = fmaInt(i02, d0, x[4 * j + 2], f02); f12 = fmaInt(i12, d1, x[4 * j + 2], f12)
            f03 = fmaInt(i03, d0, x[4 * j + 3], f03); f13 = fmaInt(i13, d1, x[4 * j + 3], f13)
            if affine {
                (f00, f01, f02, f03, f10, f11, f12, f13) =
                    addOffsets((f00, f01, f02, f03, f10, f11, f12, f13), tile: tile, e: e, j: j)
            }
        }
        store((f00, f01, f02, f03, f10, f11, f12, f13), tile: tile, act: act, t0: t0, y: y, rowStride: rowStride)
    }

    /// `run` for activations with one scale per span of `spanBlocks` blocks: within a span the
    /// sums gather d_w·Σq·x (+ m·Σx) without the activation scale, which multiplies them once at
    /// the span's end — one multiply per span instead of one per sub-block.
    @inline(__always) static func runSpans(
        steps: Int, affine: Bool, spanBlocks: Int, tile: Tile, act: Int8Activations, t0: Int,
        y: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
        let blocks = act.blocks, size = act.blockSize
        let qa = UnsafeRawPointer(act.q + t0 * act.cols)
        let meta = t0 * blocks
        let x = act.scales + meta, e = act.sums + meta, c = act.corrections + meta
        var f00 = _mm512_setzero_ps(), f01 = f00, f02 = f00, f03 = f00
        var f10 = f00, f11 = f00, f12 = f00, f13 = f00
        for s0 in stride(from: 0, to: blocks, by: spanBlocks) {
            var p00 = _mm512_setzero_ps(), p01 = p00, p02 = p00, p03 = p00
            var p10 = p00, p11 = p00, p12 = p00, p13 = p00
            for j in s0..<(s0 + spanBlocks) {
                let (i00, i01, i02, i03, i10, i11, i12, i13) =
                    integerSums(steps: steps, affine: affine, tile: tile, qa: qa, c: c, j: j, size: size)
                let d0 = _mm512_loadu_ps(tile.scales + 32 * j), d1 = _mm512_loadu_ps(tile.scales + 32 * j + 16)
                p00 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i00), d0, p00)
                p10 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i10), d1, p10)
                p01 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i01), d0, p01)
                p11 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i11), d1, p11)
                p02 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i02), d0, p02)
                p12 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i12), d1, p12)
                p03 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i03), d0, p03)
                p13 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i13), d1, p13)
                if affine {
                    (p00, p01, p02, p03, p10, p11, p12, p13) =
                        addOffsets((p00, p01, p02, p03, p10, p11, p12, p13), tile: tile, e: e, j: j)
                }
            }
            let x0 = _mm512_set1_ps(x[4 * s0]), x1 = _mm512_set1_ps(x[4 * s0 + 1])
            let x2 = _mm512_set1_ps(x[4 * s0 + 2]), x3 = _mm512_set1_ps(x[4 * s0 + 3])
            f00 = _mm512_fmadd_ps(p00, x0, f00); f10 = _mm512_fmadd_ps(p10, x0, f10)
            f01 = _mm512_fmadd_ps(p01, x1, f01); f11 = _mm512_fmadd_ps(p11, x1, f11)
            f02 = _mm512_fmadd_ps(p02, x2, f02); f12 = _mm512_fmadd_ps(p12, x2, f12)
            f03 = _mm512_fmadd_ps(p03, x3, f03); f13 = _mm512_fmadd_ps(p13, x3, f13)
        }
        store((f00, f01, f02, f03, f10, f11, f12, f13), tile: tile, act: act, t0: t0, y: y, rowStride: rowStride)
    }
}
#endif
