import Tensor

/// The kernels the forward pass calls. This is the seam to the `Tensor` module's kernels.
enum Kernels {
    static func supports(_ type: GGMLType) -> Bool {
        switch type {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q6_K: true
        default: false
        }
    }

    /// Row `row` of `w` as F32 values (`w.cols` of them).
    static func dequantizeRow(_ w: WeightMatrix, row: Int, into out: UnsafeMutablePointer<Float>) {
        let base = w.data + row * w.rowBytes
        switch w.type {
        case .f32:
            out.update(from: base.assumingMemoryBound(to: Float.self), count: w.cols)
        case .f16:
            let src = base.assumingMemoryBound(to: UInt16.self)
            for i in 0..<w.cols { out[i] = Float(Float16(bitPattern: src[i])) }
        case .bf16:
            let src = base.assumingMemoryBound(to: UInt16.self)
            for i in 0..<w.cols { out[i] = Float(bitPattern: UInt32(src[i]) << 16) }
        default:
            ReferenceDequantize.run(w.type, base, blocks: w.cols / w.type.blockSize, out)
        }
    }

    /// y[t][r] = Σ_c W[r][c] · x[t][c] for `tokens` rows of x.
    /// x: (tokens, w.cols), y: (tokens, w.rows)
    static func matmul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, tokens: Int, _ y: UnsafeMutablePointer<Float>) {
        let row = UnsafeMutablePointer<Float>.allocate(capacity: w.cols)
        defer { row.deallocate() }
        for r in 0..<w.rows {
            dequantizeRow(w, row: r, into: row)
            for t in 0..<tokens {
                let xt = x + t * w.cols
                var sum: Float = 0
                for c in 0..<w.cols { sum += row[c] * xt[c] }
                y[t * w.rows + r] = sum
            }
        }
    }
}
