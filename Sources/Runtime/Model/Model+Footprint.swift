import Tensor

extension Model {
    /// Bytes of weights one decode step reads: every layer's matrices and vectors, the final
    /// norm, the output matrix and one row of the token embedding. Decode speed is bounded by
    /// this divided by the memory bandwidth.
    public var weightBytesPerToken: Int {
        var total = output.byteCount + tokenEmbedding.rowBytes + outputNorm.count * 4
        for layer in layers {
            var matrices: [WeightMatrix] = []
            var vectors: [WeightVector?] = [layer.attnNorm, layer.ffnNorm, layer.postAttnNorm, layer.postFFNNorm]
            if let a = layer.attention {
                matrices += [a.q, a.output] + [a.k, a.v].compactMap { $0 }
                vectors += [a.qBias, a.kBias, a.vBias, a.qNorm, a.kNorm, a.outputBias]
            }
            if let s = layer.shortConvolution { matrices += [s.inProjection, s.outProjection]; vectors.append(s.kernel) }
            if let n = layer.deltaNet {
                matrices += [n.qkv, n.gate, n.alpha, n.beta, n.output]
                vectors += [n.kernel, n.dtBias, n.a, n.norm]
            }
            if let f = layer.ffn { matrices += [f.up, f.down] + (f.gate.map { [$0] } ?? []) }
            if let e = layer.experts {
                // The router, and the chosen experts' share of the stacks.
                let share = Double(e.config.used) / Double(e.config.count)
                total += e.router.byteCount + Int(share * Double(e.gate.byteCount + e.up.byteCount + e.down.byteCount))
            }
            if let p = layer.perLayerInput { matrices += [p.gate, p.projection]; vectors.append(p.norm) }
            total += matrices.reduce(0) { $0 + $1.byteCount }
            total += vectors.compactMap { $0 }.reduce(0) { $0 + $1.count * 4 }
        }
        if let p = perLayerInputs { total += p.embedding.rowBytes + p.projection.byteCount + p.norm.count * 4 }
        return total
    }
}

extension WeightMatrix {
    /// Bytes of the whole matrix.
    public var byteCount: Int { rows * rowBytes }
}
