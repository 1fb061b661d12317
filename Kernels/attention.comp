#version 450
// Causal attention over the half-precision KV cache for one query head and one token per
// workgroup: out = softmax(scale · q·Kᵀ) · V over positions [lo, pos], pos = firstPosition + token,
// lo = pos − window + 1 with a sliding window (window > 0), else 0. Grouped-query: query head h
// reads KV head h / (heads / kvHeads). One pass with a running maximum (chunks of 64 positions,
// one per thread), so the scores need no buffer. Offsets and strides of the cache count uints
// (two halves each); headDim and valueDim are even and at most 256.
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) buffer Arena { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer Cache { uint kv[]; };
layout(push_constant) uniform Params {
    uint headDim; uint valueDim; uint heads; uint kvHeads; uint tokens; uint firstPosition; uint window; uint scaleBits;
    uint qOff; uint qStride; uint outOff; uint outStride; uint kOff; uint kStride; uint vOff; uint vStride;
} p;

shared float q[256];
shared float weights[64];
shared float reduce[64];

void main() {
    uint head = gl_WorkGroupID.x, t = gl_WorkGroupID.y, tid = gl_LocalInvocationID.x;
    if (head >= p.heads || t >= p.tokens) return;   // uniform per workgroup
    uint kvHead = head / (p.heads / p.kvHeads);
    uint pos = p.firstPosition + t;
    uint lo = (p.window > 0u && pos + 1u > p.window) ? pos + 1u - p.window : 0u;
    float scale = uintBitsToFloat(p.scaleBits);
    uint qBase = p.qOff + t * p.qStride + head * p.headDim;
    for (uint i = tid; i < p.headDim; i += 64) q[i] = a[qBase + i];
    barrier();

    float runningMax = -1.0 / 0.0, total = 0.0;
    float acc[4] = float[4](0.0, 0.0, 0.0, 0.0);
    uint halfK = p.headDim / 2u, kHead = p.kOff + kvHead * halfK, vHead = p.vOff + kvHead * (p.valueDim / 2u);
    for (uint start = lo; start <= pos; start += 64u) {
        uint position = start + tid;
        float score = -1.0 / 0.0;
        if (position <= pos) {
            uint k = kHead + position * p.kStride;
            float dot = 0.0;
            for (uint i = 0u; i < halfK; i++) {
                vec2 kk = unpackHalf2x16(kv[k + i]);
                dot += q[2u * i] * kk.x + q[2u * i + 1u] * kk.y;
            }
            score = dot * scale;
        }
        reduce[tid] = score;
        barrier();
        for (uint s = 32u; s > 0u; s >>= 1) {
            if (tid < s) reduce[tid] = max(reduce[tid], reduce[tid + s]);
            barrier();
        }
        float newMax = max(runningMax, reduce[0]);
        barrier();
        float w = position <= pos ? exp(score - newMax) : 0.0;
        weights[tid] = w;
        reduce[tid] = w;
        barrier();
        for (uint s = 32u; s > 0u; s >>= 1) {
            if (tid < s) reduce[tid] += reduce[tid + s];
            barrier();
        }
        float factor = exp(runningMax - newMax);   // 0 on the first chunk (−inf)
        total = total * factor + reduce[0];
        runningMax = newMax;
        uint count = min(64u, pos + 1u - start);
        for (uint j = 0u; j < 4u; j++) {
            uint d = tid + 64u * j;
            if (d >= p.valueDim) break;
            float sum = acc[j] * factor;
            uint vIndex = vHead + d / 2u;
            bool high = (d & 1u) == 1u;
            for (uint i = 0u; i < count; i++) {
                vec2 vv = unpackHalf2x16(kv[vIndex + (start + i) * p.vStride]);
                sum += weights[i] * (high ? vv.y : vv.x);
            }
            acc[j] = sum;
        }
        barrier();
    }
    uint o = p.outOff + t * p.outStride + head * p.valueDim;
    for (uint j = 0u; j < 4u; j++) {
        uint d = tid + 64u * j;
        if (d < p.valueDim) a[o + d] = acc[j] / total;
    }
}
