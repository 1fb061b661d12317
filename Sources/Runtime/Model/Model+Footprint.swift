import Tensor

extension Model {
    /// Bytes of weights one decode step reads: every layer's matrices and vectors, the final
    /// norm, the output matrix and one row of the token embedding. Decode speed is bounded by
    /// this divided by the memory bandwidth.
    public var weightBytesPerToken: Int {
        var total = output.byteCount + tokenEmbedding.rowBytes + outputNorm.count * 4
        for layer in layers {
            let matrices = [layer.q, layer.k, layer.v, layer.attnOutput, layer.up, layer.down] + (layer.gate.map { [$0] } ?? [])
            total += matrices.reduce(0) { $0 + $1.byteCount }
            let vectors = [layer.attnNorm, layer.ffnNorm] + [layer.qBias, layer.kBias, layer.vBias, layer.qNorm, layer.kNorm,
                                                              layer.postAttnNorm, layer.postFFNNorm].compactMap { $0 }
            total += vectors.reduce(0) { $0 + $1.count * 4 }
        }
        return total
    }
}

extension WeightMatrix {
    /// Bytes of the whole matrix.
    public var byteCount: Int { rows * rowBytes }
}
