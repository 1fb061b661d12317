import GGUF

/// The weights of one transformer block, bound by llama.cpp's tensor names (`blk.N.*`).
struct LayerWeights: Sendable {
    var attnNorm: WeightVector
    var q: WeightMatrix
    var k: WeightMatrix
    var v: WeightMatrix
    var qBias: WeightVector?
    var kBias: WeightVector?
    var vBias: WeightVector?
    var qNorm: WeightVector?
    var kNorm: WeightVector?
    var attnOutput: WeightMatrix
    var postAttnNorm: WeightVector?
    var ffnNorm: WeightVector
    /// nil when the FFN is fused: then `up` holds [gate; up] rows.
    var gate: WeightMatrix?
    var up: WeightMatrix
    var down: WeightMatrix
    var postFFNNorm: WeightVector?

    init(layer i: Int, config c: ModelConfig, binder b: WeightBinder) throws(ModelError) {
        let p = "blk.\(i)."
        let d = c.embeddingLength
        attnNorm = try b.vector(p + "attn_norm.weight", count: d)
        if c.spec.fusedQKV {
            let qkv = try b.matrix(p + "attn_qkv.weight", cols: d, rows: c.qDim + c.kvDim + c.vDim)
            q = qkv.rows(0, c.qDim)
            k = qkv.rows(c.qDim, c.kvDim)
            v = qkv.rows(c.qDim + c.kvDim, c.vDim)
        } else {
            q = try b.matrix(p + "attn_q.weight", cols: d, rows: c.qDim)
            k = try b.matrix(p + "attn_k.weight", cols: d, rows: c.kvDim)
            v = try b.matrix(p + "attn_v.weight", cols: d, rows: c.vDim)
        }
        qBias = try b.optionalVector(p + "attn_q.bias", count: c.qDim)
        kBias = try b.optionalVector(p + "attn_k.bias", count: c.kvDim)
        vBias = try b.optionalVector(p + "attn_v.bias", count: c.vDim)
        if c.spec.qkNorm {
            qNorm = try b.vector(p + "attn_q_norm.weight", count: c.headDim)
            kNorm = try b.vector(p + "attn_k_norm.weight", count: c.headDim)
        }
        attnOutput = try b.matrix(p + "attn_output.weight", cols: c.headCount * c.valueDim, rows: d)
        if c.spec.postNorms {
            postAttnNorm = try b.vector(p + "post_attention_norm.weight", count: d)
            postFFNNorm = try b.vector(p + "post_ffw_norm.weight", count: d)
        }
        ffnNorm = try b.vector(p + "ffn_norm.weight", count: d)
        if c.spec.fusedGateUp {
            up = try b.matrix(p + "ffn_up.weight", cols: d, rows: 2 * c.feedForwardLength)
        } else {
            gate = try b.matrix(p + "ffn_gate.weight", cols: d, rows: c.feedForwardLength)
            up = try b.matrix(p + "ffn_up.weight", cols: d, rows: c.feedForwardLength)
        }
        down = try b.matrix(p + "ffn_down.weight", cols: c.feedForwardLength, rows: d)
    }
}
