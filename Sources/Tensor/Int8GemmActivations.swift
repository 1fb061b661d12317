#if SWIFTLLM_X86_SIMD || SWIFTLLM_AVX2
import _Builtin_intrinsics.intel

/// The activations of one `Int8Gemm` call, quantized once: per token, `cols` signed bytes and,
/// per block of `blockSize` elements, the scale `d`, the float sum `d·Σq` (for weights with a
/// float offset) and the integer correction `−offset·Σq` (for weights stored as `q + offset`).
///
/// With a `scaleSpan` larger than `blockSize` (Q2_K, Q3_K, Q6_K: 256, as llama.cpp's Q8_K), one scale
/// covers the whole span (on the avx2 tier Q8_K's, −128 at the largest magnitude; on avx512
/// `d = max|x|/127`) and every block in it repeats it; `sums` then hold the
/// unscaled `Σq`, since the kernel multiplies by `d` once per span (`Int8GemmKernel.runSpans`).
///
/// Interleaved by groups of 4 tokens (`Int8Gemm.tokenStep`) so that the kernel reads one stream:
/// `q` holds, per group and per 4 columns, 16 bytes (4 tokens × 4 columns), and the per-block
/// arrays hold, per group and block, the 4 tokens' values. Tokens are padded to whole groups with
/// zeros, whose outputs the kernel computes but never stores.
struct Int8Activations {
    let cols: Int, blockSize: Int, scaleSpan: Int, tokens: Int, paddedTokens: Int
    let q: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Float>
    let corrections: UnsafeMutablePointer<Int32>

    var blocks: Int { cols / blockSize }

    init(cols: Int, blockSize: Int, scaleSpan: Int, tokens: Int) {
        self.cols = cols
        self.blockSize = blockSize
        self.scaleSpan = scaleSpan
        self.tokens = tokens
        paddedTokens = (tokens + Int8Gemm.tokenStep - 1) / Int8Gemm.tokenStep * Int8Gemm.tokenStep
        let blocks = cols / blockSize
        q = .allocate(capacity: paddedTokens * cols)
        scales = .allocate(capacity: paddedTokens * blocks)
        sums = .allocate(capacity: paddedTokens * blocks)
        corrections = .allocate(capacity: paddedTokens * blocks)
        let padded = paddedTokens - tokens
        (q + tokens * cols).initialize(repeating: 0, count: padded * cols)
        (scales + tokens * blocks).initialize(repeating: 0, count: padded * blocks)
        (sums + tokens * blocks).initialize(repeating: 0, count: padded * blocks)
        (corrections + tokens * blocks).initialize(repeating: 0, count: padded * blocks)
    }

    func deallocate() {
        q.deallocate()
        scales.deallocate()
        sums.deallocate()
        corrections.deallocate()
    }

    /// Quantizes tokens `range` of `x` (`tokens × cols` floats): d = max|x|/127 per scale span,
    /// q = round(x/d). `offset` is the weights' unsigned offset (0 for affine weights).
    func quantize(_ x: UnsafePointer<Float>, tokens range: Range<Int>, offset: Int32) {
        #if SWIFTLLM_X86_SIMD
        quantize512(x, tokens: range, offset: offset)
        #else
        quantize256(x, tokens: range, offset: offset)
        #endif
    }

    #if !SWIFTLLM_X86_SIMD
    /// `quantize` in AVX2 (the avx2 tier): the same scales and bytes for 32-element blocks; spans
    /// take llama.cpp's Q8_K scale (`superBlockScale`; the avx512 tier keeps max|x|/127 there,
    /// not yet measured on an AVX-512 host with this scale). Swift's SIMD conversions
    /// (`rounded`, `SIMD8<Int32>(_:)`) compiled to per-lane library calls here, which made the
    /// quantization cost as much as a 1536-row product.
    private func quantize256(_ x: UnsafePointer<Float>, tokens range: Range<Int>, offset: Int32) {
        let blocks = self.blocks, size = blockSize, span = scaleSpan
        let spanned = span > size
        let largest = _mm256_set1_epi32(127)  // Q8_K's clamp; blocks never exceed it (|x/d| ≤ 127)
        for t in range {
            let group = t / 4, lane = t % 4
            for s0 in stride(from: 0, to: cols, by: span) {
                let (d, inverse) = spanned ? Self.superBlockScale(x + t * cols + s0, count: span)
                                           : Self.blockScale(x + t * cols + s0, count: span)
                for b in (s0 / size)..<((s0 + span) / size) {
                    let src = x + t * cols + b * size
                    let dst = UnsafeMutableRawPointer(q + group * 4 * cols + b * size * 4 + lane * 4)
                    let meta = (group * blocks + b) * 4 + lane
                    var total = _mm256_setzero_si256()
                    for i in stride(from: 0, to: size, by: 8) {
                        let v = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src + i), inverse)), largest)
                        total = _mm256_add_epi32(total, v)
                        let lanes = unsafeBitCast(v, to: SIMD8<Int32>.self)
                        let words = _mm_packs_epi32(unsafeBitCast(lanes.lowHalf, to: __m128i.self),
                                                    unsafeBitCast(lanes.highHalf, to: __m128i.self))
                        let bytes = unsafeBitCast(_mm_packs_epi16(words, words), to: SIMD4<UInt32>.self)
                        dst.storeBytes(of: bytes[0], toByteOffset: 4 * i, as: UInt32.self)
                        dst.storeBytes(of: bytes[1], toByteOffset: 4 * i + 16, as: UInt32.self)
                    }
                    let sum = unsafeBitCast(total, to: SIMD8<Int32>.self).wrappedSum()
                    scales[meta] = d
                    sums[meta] = spanned ? Float(sum) : d * Float(sum)
                    corrections[meta] = -offset * sum
                }
            }
        }
    }
    /// A 32-element block's scale as llama.cpp's Q8_0/Q8_1: d = max|x|/127, and 1/d.
    @inline(__always) private static func blockScale(_ x: UnsafePointer<Float>, count: Int) -> (Float, __m256) {
        let magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFF_FFFF))
        var amax = _mm256_setzero_ps()
        for i in stride(from: 0, to: count, by: 8) {
            amax = _mm256_max_ps(amax, _mm256_and_ps(_mm256_loadu_ps(x + i), magnitude))
        }
        let d = pointwiseMax(amax.lowHalf, amax.highHalf).max() / 127
        return (d, _mm256_set1_ps(d == 0 ? 0 : 1 / d))
    }

    /// A 256-element span's scale as llama.cpp's Q8_K: the element m of largest magnitude maps
    /// to −128 (1/d = −128/m), the others round to the nearest of −128…127 (an element equal
    /// to −m would give 128 and is clamped to 127). Measured on Gemma3 (Q6_K ffn_down), against
    /// d = max|x|/127: prompt argmax agreement with llama.cpp 941 → 945/952, the prompt position
    /// where llama.cpp leads by 0.71 no longer moved, and no greedy step moved where it leads by
    /// more than 0.4 (one at 0.50 did). Where +a and −a are both the largest, m is +a (llama.cpp
    /// takes the first in order).
    @inline(__always) private static func superBlockScale(_ x: UnsafePointer<Float>, count: Int) -> (Float, __m256) {
        var high = _mm256_loadu_ps(x), low = high
        for i in stride(from: 8, to: count, by: 8) {
            let v = _mm256_loadu_ps(x + i)
            high = _mm256_max_ps(high, v)
            low = _mm256_min_ps(low, v)
        }
        let top = pointwiseMax(high.lowHalf, high.highHalf).max()
        let bottom = pointwiseMin(low.lowHalf, low.highHalf).min()
        let m = top >= -bottom ? top : bottom
        guard m != 0 else { return (0, _mm256_setzero_ps()) }
        let inverse = -128 / m
        return (1 / inverse, _mm256_set1_ps(inverse))
    }
    #else
    private func quantize512(_ x: UnsafePointer<Float>, tokens range: Range<Int>, offset: Int32) {
        let blocks = self.blocks, size = blockSize, span = scaleSpan
        let spanned = span > size
        for t in range {
            let group = t / 4, lane = t % 4
            for s0 in stride(from: 0, to: cols, by: span) {
                var amax = _mm512_setzero_ps()
                for i in stride(from: 0, to: span, by: 16) {
                    amax = _mm512_max_ps(amax, _mm512_abs_ps(_mm512_loadu_ps(x + t * cols + s0 + i)))
                }
                let d = _mm512_reduce_max_ps(amax) / 127
                let inverse = _mm512_set1_ps(d == 0 ? 0 : 1 / d)
                for b in (s0 / size)..<((s0 + span) / size) {
                    let src = x + t * cols + b * size
                    let dst = UnsafeMutableRawPointer(q + group * 4 * cols + b * size * 4 + lane * 4)
                    let meta = (group * blocks + b) * 4 + lane
                    var total = _mm512_setzero_si512()
                    for i in stride(from: 0, to: size, by: 16) {
                        let v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(src + i), inverse))
                        total = _mm512_add_epi32(total, v)
                        let bytes = unsafeBitCast(_mm512_cvtsepi32_epi8(v), to: SIMD4<UInt32>.self)
                        for c in 0..<4 { dst.storeBytes(of: bytes[c], toByteOffset: 4 * i + 16 * c, as: UInt32.self) }
                    }
                    let sum = _mm512_reduce_add_epi32(total)
                    scales[meta] = d
                    sums[meta] = spanned ? Float(sum) : d * Float(sum)
                    corrections[meta] = -offset * sum
                }
            }
        }
    }
    #endif
}
#endif
