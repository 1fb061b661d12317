import GGUF

/// The weights of one transformer block, bound by llama.cpp's tensor names (`blk.N.*`).
struct LayerWeights: Sendable {
    var attnNorm: WeightVector
    /// The token mixer: exactly one of these is set, by `LayerConfig.mixer`.
    var attention: AttentionWeights?
    var shortConvolution: ShortConvolutionWeights?
    var deltaNet: DeltaNetWeights?
    var postAttnNorm: WeightVector?
    var ffnNorm: WeightVector
    /// The dense FFN, or nil when the layer routes to experts.
    var ffn: FeedForwardWeights?
    var experts: ExpertWeights?
    var postFFNNorm: WeightVector?
    /// gemma4's per-layer input block and output scale.
    var perLayerInput: PerLayerInputWeights?
    var outputScale: Float?

    init(layer i: Int, config c: ModelConfig, binder b: WeightBinder) throws(ModelError) {
        let p = "blk.\(i)."
        let d = c.embeddingLength
        let shape = c.layers[i]
        attnNorm = try b.vector(p + "attn_norm.weight", count: d)
        switch shape.mixer {
        case .attention: attention = try AttentionWeights(prefix: p, shape: shape, config: c, binder: b)
        case .shortConvolution: shortConvolution = try ShortConvolutionWeights(prefix: p, config: c, binder: b)
        case .gatedDeltaNet: deltaNet = try DeltaNetWeights(prefix: p, config: c, binder: b)
        }
        if c.spec.postNorms {
            postAttnNorm = try b.vector(p + "post_attention_norm.weight", count: d)
            postFFNNorm = try b.vector(p + "post_ffw_norm.weight", count: d)
        }
        ffnNorm = try b.vector(p + c.spec.ffnNormName + ".weight", count: d)
        if let e = c.experts {
            experts = try ExpertWeights(prefix: p, experts: e, embedding: d, binder: b)
        } else {
            ffn = try FeedForwardWeights(prefix: p, width: shape.feedForwardLength, config: c, binder: b)
        }
        if c.spec.perLayerInputs {
            if let n = c.perLayerInputLength {
                perLayerInput = PerLayerInputWeights(
                    gate: try b.matrix(p + "inp_gate.weight", cols: d, rows: n),
                    projection: try b.matrix(p + "proj.weight", cols: n, rows: d),
                    norm: try b.vector(p + "post_norm.weight", count: d))
            }
            if let scale = try b.optionalVector(p + "layer_output_scale.weight", count: 1) { outputScale = scale.pointer[0] }
        }
    }
}

/// Q, K, V and output projections of an attention layer (K and V absent when it reads another
/// layer's cache; V absent when V = K).
struct AttentionWeights: Sendable {
    var q: WeightMatrix
    var k: WeightMatrix?
    var v: WeightMatrix?
    var qBias: WeightVector?
    var kBias: WeightVector?
    var vBias: WeightVector?
    var qNorm: WeightVector?
    var kNorm: WeightVector?
    var output: WeightMatrix
    var outputBias: WeightVector?

    init(prefix p: String, shape: LayerConfig, config c: ModelConfig, binder b: WeightBinder) throws(ModelError) {
        let d = c.embeddingLength
        let qRows = c.spec.gatedAttention ? 2 * shape.qDim : shape.qDim
        let owns = shape.ownsKV
        // As in llama.cpp, any architecture may store Q, K and V fused as one [Q; K; V] tensor, with
        // one fused bias or three separate ones.
        if owns && b.has(p + "attn_qkv.weight") {
            let qkv = try b.matrix(p + "attn_qkv.weight", cols: d, rows: qRows + shape.kvDim + shape.vDim)
            q = qkv.rows(0, qRows)
            k = qkv.rows(qRows, shape.kvDim)
            v = qkv.rows(qRows + shape.kvDim, shape.vDim)
        } else {
            q = try b.matrix(p + "attn_q.weight", cols: d, rows: qRows)
            if owns {
                k = try b.matrix(p + "attn_k.weight", cols: d, rows: shape.kvDim)
                v = c.spec.valueNorm ? try b.optionalMatrix(p + "attn_v.weight", cols: d, rows: shape.vDim)
                    : try b.matrix(p + "attn_v.weight", cols: d, rows: shape.vDim)
            }
        }
        if owns, let qkvBias = try b.optionalVector(p + "attn_qkv.bias", count: qRows + shape.kvDim + shape.vDim) {
            qBias = qkvBias.slice(0, qRows)
            kBias = qkvBias.slice(qRows, shape.kvDim)
            vBias = qkvBias.slice(qRows + shape.kvDim, shape.vDim)
        } else {
            qBias = try b.optionalVector(p + "attn_q.bias", count: qRows)
            if owns {
                kBias = try b.optionalVector(p + "attn_k.bias", count: shape.kvDim)
                vBias = try b.optionalVector(p + "attn_v.bias", count: shape.vDim)
            }
        }
        if c.spec.qkNorm {
            qNorm = try b.vector(p + "attn_q_norm.weight", count: shape.headDim)
            if owns { kNorm = try b.vector(p + "attn_k_norm.weight", count: shape.headDim) }
        }
        output = try b.matrix(p + "attn_output.weight", cols: shape.headCount * shape.valueDim, rows: d)
        if c.spec.optionalTensors.contains(.attentionOutputBias) {
            outputBias = try b.optionalVector(p + "attn_output.bias", count: d)
        }
    }
}

/// A dense gated FFN.
struct FeedForwardWeights: Sendable {
    /// nil when the FFN is fused: then `up` holds [gate; up] rows.
    var gate: WeightMatrix?
    var up: WeightMatrix
    var down: WeightMatrix
    var gateBias: WeightVector?
    var upBias: WeightVector?
    var downBias: WeightVector?
    var width: Int

    init(prefix p: String, width ff: Int, config c: ModelConfig, binder b: WeightBinder) throws(ModelError) {
        let d = c.embeddingLength
        width = ff
        if c.spec.fusedGateUp {
            up = try b.matrix(p + "ffn_up.weight", cols: d, rows: 2 * ff)
        } else {
            gate = try b.matrix(p + "ffn_gate.weight", cols: d, rows: ff)
            up = try b.matrix(p + "ffn_up.weight", cols: d, rows: ff)
        }
        down = try b.matrix(p + "ffn_down.weight", cols: ff, rows: d)
        if c.spec.optionalTensors.contains(.feedForwardBiases) {
            if gate != nil { gateBias = try b.optionalVector(p + "ffn_gate.bias", count: ff) }
            upBias = try b.optionalVector(p + "ffn_up.bias", count: c.spec.fusedGateUp ? 2 * ff : ff)
            downBias = try b.optionalVector(p + "ffn_down.bias", count: d)
        }
    }
}

/// Router and stacked expert matrices; expert e's rows are `rows(e · n, n)` of each stack.
struct ExpertWeights: Sendable {
    var router: WeightMatrix
    var gate: WeightMatrix
    var up: WeightMatrix
    var down: WeightMatrix
    var config: ExpertConfig

    init(prefix p: String, experts e: ExpertConfig, embedding d: Int, binder b: WeightBinder) throws(ModelError) {
        config = e
        router = try b.matrix(p + "ffn_gate_inp.weight", cols: d, rows: e.count)
        gate = try b.stacked(p + "ffn_gate_exps.weight", cols: d, rows: e.feedForwardLength, count: e.count)
        up = try b.stacked(p + "ffn_up_exps.weight", cols: d, rows: e.feedForwardLength, count: e.count)
        down = try b.stacked(p + "ffn_down_exps.weight", cols: e.feedForwardLength, rows: d, count: e.count)
    }
}

/// lfm2's gated short convolution: in_proj to [B; C; X], a depthwise causal conv of B ⊙ X, and
/// out_proj of C ⊙ conv.
struct ShortConvolutionWeights: Sendable {
    var inProjection: WeightMatrix
    /// (channels, taps) row-major: tap `taps − 1` multiplies the current token.
    var kernel: WeightVector
    var outProjection: WeightMatrix

    init(prefix p: String, config c: ModelConfig, binder b: WeightBinder) throws(ModelError) {
        let d = c.embeddingLength, taps = c.shortConvolutionLength ?? 1
        inProjection = try b.matrix(p + "shortconv.in_proj.weight", cols: d, rows: 3 * d)
        kernel = try b.floats(p + "shortconv.conv.weight", shape: [taps, d])
        outProjection = try b.matrix(p + "shortconv.out_proj.weight", cols: d, rows: d)
    }
}

/// qwen35's gated delta-net layer.
struct DeltaNetWeights: Sendable {
    /// [q; k; v] rows, before the convolution.
    var qkv: WeightMatrix
    /// z, the output gate.
    var gate: WeightMatrix
    /// (channels, kernel) row-major.
    var kernel: WeightVector
    var alpha: WeightMatrix
    var beta: WeightMatrix
    var dtBias: WeightVector
    /// −exp(A_log) per value head.
    var a: WeightVector
    var norm: WeightVector
    var output: WeightMatrix

    init(prefix p: String, config c: ModelConfig, binder b: WeightBinder) throws(ModelError) {
        guard let n = c.deltaNet else { throw .missingMetadata("\(c.spec.name).ssm.state_size") }
        let d = c.embeddingLength
        qkv = try b.matrix(p + "attn_qkv.weight", cols: d, rows: n.channels)
        gate = try b.matrix(p + "attn_gate.weight", cols: d, rows: n.innerSize)
        kernel = try b.floats(p + "ssm_conv1d.weight", shape: [n.convolutionKernel, n.channels])
        alpha = try b.matrix(p + "ssm_alpha.weight", cols: d, rows: n.valueHeads)
        beta = try b.matrix(p + "ssm_beta.weight", cols: d, rows: n.valueHeads)
        dtBias = try b.vector(p + "ssm_dt.bias", count: n.valueHeads)
        a = try b.vector(p + "ssm_a", count: n.valueHeads)
        norm = try b.vector(p + "ssm_norm.weight", count: n.valueHeadSize)
        output = try b.matrix(p + "ssm_out.weight", cols: n.innerSize, rows: d)
    }
}

/// gemma4's per-layer input block: x += norm(proj · (gelu(gate · x) ⊙ P[layer])).
struct PerLayerInputWeights: Sendable {
    var gate: WeightMatrix
    var projection: WeightMatrix
    var norm: WeightVector
}

/// gemma4's model-wide per-layer input tables: a token embedding of `layers × n` values and a
/// projection of the scaled embedding to the same, normed per layer.
struct PerLayerInputTables: Sendable {
    var embedding: WeightMatrix
    var projection: WeightMatrix
    var norm: WeightVector
}
