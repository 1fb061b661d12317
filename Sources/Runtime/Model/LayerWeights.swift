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
    var attnOutputBias: WeightVector?
    var postAttnNorm: WeightVector?
    var ffnNorm: WeightVector
    /// nil when the FFN is fused: then `up` holds [gate; up] rows.
    var gate: WeightMatrix?
    var up: WeightMatrix
    var down: WeightMatrix
    var gateBias: WeightVector?
    var upBias: WeightVector?
    var downBias: WeightVector?
    var postFFNNorm: WeightVector?

    init(layer i: Int, config c: ModelConfig, binder b: WeightBinder) throws(ModelError) {
        let p = "blk.\(i)."
        let d = c.embeddingLength
        let optional = c.spec.optionalTensors
        attnNorm = try b.vector(p + "attn_norm.weight", count: d)
        // As in llama.cpp, any architecture may store Q, K and V fused as one [Q; K; V] tensor, with
        // one fused bias or three separate ones.
        if b.has(p + "attn_qkv.weight") {
            let qkv = try b.matrix(p + "attn_qkv.weight", cols: d, rows: c.qDim + c.kvDim + c.vDim)
            q = qkv.rows(0, c.qDim)
            k = qkv.rows(c.qDim, c.kvDim)
            v = qkv.rows(c.qDim + c.kvDim, c.vDim)
        } else {
            q = try b.matrix(p + "attn_q.weight", cols: d, rows: c.qDim)
            k = try b.matrix(p + "attn_k.weight", cols: d, rows: c.kvDim)
            v = try b.matrix(p + "attn_v.weight", cols: d, rows: c.vDim)
        }
        if let qkvBias = try b.optionalVector(p + "attn_qkv.bias", count: c.qDim + c.kvDim + c.vDim) {
            qBias = qkvBias.slice(0, c.qDim)
            kBias = qkvBias.slice(c.qDim, c.kvDim)
            vBias = qkvBias.slice(c.qDim + c.kvDim, c.vDim)
        } else {
            qBias = try b.optionalVector(p + "attn_q.bias", count: c.qDim)
            kBias = try b.optionalVector(p + "attn_k.bias", count: c.kvDim)
            vBias = try b.optionalVector(p + "attn_v.bias", count: c.vDim)
        }
        if c.spec.qkNorm {
            qNorm = try b.vector(p + "attn_q_norm.weight", count: c.headDim)
            kNorm = try b.vector(p + "attn_k_norm.weight", count: c.headDim)
        }
        attnOutput = try b.matrix(p + "attn_output.weight", cols: c.headCount * c.valueDim, rows: d)
        if optional.contains(.attentionOutputBias) {
            attnOutputBias = try b.optionalVector(p + "attn_output.bias", count: d)
        }
        if c.spec.postNorms {
            postAttnNorm = try b.vector(p + "post_attention_norm.weight", count: d)
            postFFNNorm = try b.vector(p + "post_ffw_norm.weight", count: d)
        }
        ffnNorm = try b.vector(p + "ffn_norm.weight", count: d)
        let ff = c.feedForwardLength
        if c.spec.fusedGateUp {
            up = try b.matrix(p + "ffn_up.weight", cols: d, rows: 2 * ff)
        } else {
            gate = try b.matrix(p + "ffn_gate.weight", cols: d, rows: ff)
            up = try b.matrix(p + "ffn_up.weight", cols: d, rows: ff)
        }
        down = try b.matrix(p + "ffn_down.weight", cols: ff, rows: d)
        if optional.contains(.feedForwardBiases) {
            if gate != nil { gateBias = try b.optionalVector(p + "ffn_gate.bias", count: ff) }
            upBias = try b.optionalVector(p + "ffn_up.bias", count: c.spec.fusedGateUp ? 2 * ff : ff)
            downBias = try b.optionalVector(p + "ffn_down.bias", count: d)
        }
    }
}
