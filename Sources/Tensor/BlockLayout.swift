/// Byte layouts of ggml's quantized blocks, as field offsets into one block.
///
/// Kernels read blocks through raw pointers at these offsets (GGUF data is only 32-byte aligned
/// and blocks are 18, 20, 22… bytes, so Swift structs with natural alignment cannot overlay them).
/// `size` is asserted against `GGMLType.typeSize` in the tests. Scales named `d`/`m`/`dmin`/`s`
/// are IEEE half precision except `BlockLayout.Q8_K.d`, which is an F32.
public enum BlockLayout {
    /// Elements per K-quant super-block.
    public static let qk_K = 256

    /// `d: f16, qs: [16]u8` (low nibbles are elements 0–15, high nibbles 16–31); x = d·(q−8).
    public enum Q4_0 { public static let d = 0, qs = 2, size = 18 }
    /// `d: f16, m: f16, qs: [16]u8`; x = d·q + m.
    public enum Q4_1 { public static let d = 0, m = 2, qs = 4, size = 20 }
    /// `d: f16, qh: u32 (bit j = bit 4 of element j), qs: [16]u8`; x = d·(q−16).
    public enum Q5_0 { public static let d = 0, qh = 2, qs = 6, size = 22 }
    /// `d: f16, m: f16, qh: u32, qs: [16]u8`; x = d·q + m.
    public enum Q5_1 { public static let d = 0, m = 2, qh = 4, qs = 8, size = 24 }
    /// `d: f16, qs: [32]i8`; x = d·q.
    public enum Q8_0 { public static let d = 0, qs = 2, size = 34 }
    /// `d: f16, s: f16 (= d·Σq), qs: [32]i8`; x = d·q.
    public enum Q8_1 { public static let d = 0, s = 2, qs = 4, size = 36 }
    /// `scales: [16]u8 (low nibble scale, high nibble min), qs: [64]u8 (2 bits), d: f16, dmin: f16`.
    public enum Q2_K { public static let scales = 0, qs = 16, d = 80, dmin = 82, size = 84 }
    /// `hmask: [32]u8, qs: [64]u8 (2 low bits), scales: [12]u8 (16 × 6-bit), d: f16`.
    public enum Q3_K { public static let hmask = 0, qs = 32, scales = 96, d = 108, size = 110 }
    /// `d: f16, dmin: f16, scales: [12]u8 (8 scales + 8 mins, 6-bit), qs: [128]u8 (nibbles)`.
    public enum Q4_K { public static let d = 0, dmin = 2, scales = 4, qs = 16, size = 144 }
    /// `d: f16, dmin: f16, scales: [12]u8, qh: [32]u8 (5th bits), qs: [128]u8`.
    public enum Q5_K { public static let d = 0, dmin = 2, scales = 4, qh = 16, qs = 48, size = 176 }
    /// `ql: [128]u8 (low 4 bits), qh: [64]u8 (high 2 bits), scales: [16]i8, d: f16`; x = d·sc·(q−32).
    public enum Q6_K { public static let ql = 0, qh = 128, scales = 192, d = 208, size = 210 }
    /// `d: f32, qs: [256]i8, bsums: [16]i16 (sums of 16 consecutive qs)`; x = d·q.
    public enum Q8_K { public static let d = 0, qs = 4, bsums = 260, size = 292 }
}

/// Loads of the scalar fields inside blocks (unaligned, little-endian as GGUF stores them).
@usableFromInline enum Field {
    @inline(__always) @usableFromInline
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfConversion.float(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// An f16 scale as F32 for the hot kernels: exact for every finite half (subnormals included),
    /// computed in integer registers. `Float(Float16(bitPattern:))` compiles to a `vpinsrw` that
    /// merges into an arbitrary register — often a loop accumulator — and serialises the loop
    /// on that false dependency; without F16C it is a library call. Inf/NaN scales come out finite.
    ///
    /// No float operation here sees a subnormal: normal halves are rebiased in the integer
    /// domain, subnormal ones (m·2⁻²⁴) converted from their integer mantissa. Scaling the shifted
    /// bits by 2¹¹² instead (the same results) multiplied a subnormal F32 for every subnormal
    /// half, and Q6_K's scales of weights near N(0, 0.025) are mostly subnormal halves (d ≈ 2e−5):
    /// the microcode assists halved the Q6_K kernels' speed inside real models.
    @inline(__always) @usableFromInline
    static func scale(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        let h = UInt32(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        let rest = h & 0x7fff
        let normal = Float(bitPattern: (rest << 13) &+ 0x3800_0000)
        let subnormal = Float(Int32(bitPattern: rest)) * 0x1p-24
        let magnitude = rest < 0x400 ? subnormal : normal
        return Float(bitPattern: magnitude.bitPattern | ((h & 0x8000) << 16))
    }

    @inline(__always) @usableFromInline
    static func float(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        p.loadUnaligned(fromByteOffset: offset, as: Float.self)
    }

    @inline(__always) @usableFromInline
    static func u32(_ p: UnsafeRawPointer, _ offset: Int) -> UInt32 {
        p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
    }

    /// The six-bit scales and mins of a Q4_K/Q5_K super-block (12 packed bytes at `q`) as eight
    /// bytes each, sub-block 0 in the lowest byte.
    @inline(__always) @usableFromInline
    static func scalesAndMinsK4(_ q: UnsafeRawPointer) -> (scales: UInt64, mins: UInt64) {
        let a = q.loadUnaligned(as: UInt32.self), b = q.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        let c = q.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        let scales03 = a & 0x3F3F_3F3F, mins03 = b & 0x3F3F_3F3F
        let scales47 = (c & 0x0F0F_0F0F) | (((a >> 6) & 0x0303_0303) << 4)
        let mins47 = ((c >> 4) & 0x0F0F_0F0F) | (((b >> 6) & 0x0303_0303) << 4)
        return (UInt64(scales03) | UInt64(scales47) << 32, UInt64(mins03) | UInt64(mins47) << 32)
    }

    /// The 6-bit scale and min of sub-block `j` (0..<8) packed in Q4_K/Q5_K's 12 scale bytes.
    @inline(__always) @usableFromInline
    static func scaleMinK4(_ j: Int, _ q: UnsafePointer<UInt8>) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (q[j] & 63, q[j + 4] & 63)
        }
        return ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4))
    }

    /// The 16 signed 6-bit scales of a Q3_K block, minus 32.
    @inline(__always) @usableFromInline
    static func scalesQ3K(_ q: UnsafePointer<UInt8>, _ out: UnsafeMutablePointer<Int8>) {
        for i in 0..<16 {
            let low = (q[i % 8] >> (4 * UInt8(i / 8))) & 0xF
            let high = (q[8 + i % 4] >> (2 * UInt8(i / 4))) & 3
            out[i] = Int8(bitPattern: low | (high << 4)) &- 32
        }
    }
}
