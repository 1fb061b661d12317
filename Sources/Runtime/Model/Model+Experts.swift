import Tensor

/// The mixture-of-experts FFN (qwen3moe): a softmax router over all experts, the top k chosen
/// per token with their probabilities renormalized, and each chosen expert's gated FFN run on
/// the rows that chose it — a decode step reads only the chosen experts' weights.
extension Model {
    func expertFeedForward(_ index: Int, _ w: ExpertWeights, _ pass: ForwardPass) throws(ModelError) {
        let T = pass.rows, d = config.embeddingLength, h = pass.scratch.h.pointer, pool = pass.pool
        let e = w.config, ff = e.feedForwardLength
        var logits = [Float](repeating: 0, count: T * e.count)
        try logits.withUnsafeMutableBufferPointer { out throws(ModelError) in
            guard let base = out.baseAddress else { return }
            try Kernels.matmul(w.router, h, tokens: T, base, pool: pool, strategy: pass.strategy)
            for t in 0..<T { Ops.softmax(base + t * e.count, n: e.count) }
        }
        // Rows and weights routed to each expert.
        var routed = [[(row: Int, weight: Float)]](repeating: [], count: e.count)
        for t in 0..<T {
            let probabilities = Array(logits[t * e.count..<(t + 1) * e.count])
            let order = probabilities.indices.sorted { (a: Int, b: Int) -> Bool in
                probabilities[a] != probabilities[b] ? probabilities[a] > probabilities[b] : a < b
            }
            let chosen = order.prefix(e.used)
            let sum = max(chosen.reduce(Float(0)) { $0 + probabilities[$1] }, 6.103515625e-5)
            for expert in chosen { routed[expert].append((t, probabilities[expert] / sum)) }
        }
        pass.scratch.recordRouting(layer: index, experts: routed.indices.filter { !routed[$0].isEmpty }, layers: layers.count)
        var result = [Float](repeating: 0, count: T * d)
        var input = [Float](), gate = [Float](), up = [Float](), down = [Float]()
        let activation = config.spec.activation == .silu ? Ops.swiglu : Ops.geglu
        for (expert, rows) in routed.enumerated() where !rows.isEmpty {
            let m = rows.count
            input = [Float](repeating: 0, count: m * d)
            gate = [Float](repeating: 0, count: m * ff)
            up = [Float](repeating: 0, count: m * ff)
            down = [Float](repeating: 0, count: m * d)
            for (i, routedRow) in rows.enumerated() {
                for j in 0..<d { input[i * d + j] = h[routedRow.row * d + j] }
            }
            let gateRows = w.gate.rows(expert * ff, ff), upRows = w.up.rows(expert * ff, ff), downRows = w.down.rows(expert * d, d)
            try input.withUnsafeBufferPointer { x throws(ModelError) in
                try gate.withUnsafeMutableBufferPointer { g throws(ModelError) in
                    try up.withUnsafeMutableBufferPointer { u throws(ModelError) in
                        try down.withUnsafeMutableBufferPointer { y throws(ModelError) in
                            guard let xb = x.baseAddress, let gb = g.baseAddress, let ub = u.baseAddress, let yb = y.baseAddress else { return }
                            if m == 1 {
                                try Kernels.matvecs([(gateRows, gb), (upRows, ub)], xb, pool: pool)
                            } else {
                                try Kernels.matmuls([(gateRows, gb), (upRows, ub)], xb, tokens: m, pool: pool, strategy: pass.strategy)
                            }
                            activation(gb, ub, ub, m * ff)
                            try Kernels.matmul(downRows, ub, tokens: m, yb, pool: pool, strategy: pass.strategy)
                        }
                    }
                }
            }
            for (i, routedRow) in rows.enumerated() {
                for j in 0..<d { result[routedRow.row * d + j] += routedRow.weight * down[i * d + j] }
            }
        }
        result.withUnsafeBufferPointer { r in
            if let base = r.baseAddress { h.update(from: base, count: T * d) }
        }
    }
}
