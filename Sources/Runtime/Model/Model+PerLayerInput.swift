import Tensor

/// gemma4's per-layer inputs: one vector of n values per token and layer, made once from a
/// per-layer token embedding and a projection of the scaled embedding, and mixed into the
/// residual stream after each layer's FFN.
extension Model {
    /// P = (per_layer_token_embd[tok]·√n + norm((proj · x)/√d)) / √2 into `scratch.perLayer`.
    func perLayerInputRows(_ tables: PerLayerInputTables, tokens: [Int32], _ pass: ForwardPass) throws(ModelError) {
        let c = config, T = pass.rows, d = c.embeddingLength
        guard let n = c.perLayerInputLength else { return }
        let width = n * c.layerCount, p = pass.scratch.perLayer.pointer
        var projected = [Float](repeating: 0, count: T * width)
        try projected.withUnsafeMutableBufferPointer { out throws(ModelError) in
            guard let base = out.baseAddress else { return }
            try Kernels.matmul(tables.projection, pass.scratch.x.pointer, tokens: T, base, pool: pass.pool, strategy: pass.strategy)
            let inverseRootD = 1 / Float(d).squareRoot(), rootN = Float(n).squareRoot(), inverseRoot2 = 1 / Float(2).squareRoot()
            for t in 0..<T {
                let row = p + t * width
                try Kernels.dequantizeRow(tables.embedding, row: Int(tokens[t]), into: row)
                for layer in 0..<c.layerCount {
                    let b = base + t * width + layer * n
                    Ops.scale(b, by: inverseRootD, out: b, n: n)
                    Ops.rmsNorm(b, weight: tables.norm.pointer, eps: c.rmsEpsilon, out: b, n: n)
                }
                for i in 0..<width { row[i] = (row[i] * rootN + base[t * width + i]) * inverseRoot2 }
            }
        }
    }

    /// x += norm(proj · (gelu(inp_gate · x) ⊙ P[layer])).
    func perLayerInput(_ index: Int, _ w: PerLayerInputWeights, _ pass: ForwardPass) throws(ModelError) {
        let c = config, T = pass.rows, s = pass.scratch
        guard let n = c.perLayerInputLength else { return }
        let width = n * c.layerCount, gate = s.up.pointer
        try Kernels.matmul(w.gate, s.x.pointer, tokens: T, gate, pool: pass.pool, strategy: pass.strategy)
        for t in 0..<T {
            let g = gate + t * n
            Ops.geglu(gate: g, up: s.perLayer.pointer + t * width + index * n, out: g, n: n)
        }
        try Kernels.matmul(w.projection, gate, tokens: T, s.h.pointer, pool: pass.pool, strategy: pass.strategy)
        for t in 0..<T {
            let row = s.h.pointer + t * c.embeddingLength
            Ops.rmsNorm(row, weight: w.norm.pointer, eps: c.rmsEpsilon, out: row, n: c.embeddingLength)
        }
        Ops.add(s.x.pointer, s.h.pointer, out: s.x.pointer, n: T * c.embeddingLength)
    }
}
