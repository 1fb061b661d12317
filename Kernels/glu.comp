#version 450
// Gated feed-forward activation, row by row: out = act(gate) · up, with act = SiLU (kind 0) or
// GELU's tanh approximation (kind 1). In place over `up` or `gate` is allowed.
layout(local_size_x = 256) in;
layout(std430, set = 0, binding = 0) buffer Arena { float a[]; };
layout(push_constant) uniform Params {
    uint n; uint rows; uint gateOff; uint gateStride; uint upOff; uint upStride; uint outOff; uint outStride; uint kind;
} p;

void main() {
    uint i = gl_GlobalInvocationID.x, row = gl_GlobalInvocationID.y;
    if (i >= p.n || row >= p.rows) return;
    float g = a[p.gateOff + row * p.gateStride + i];
    float act;
    if (p.kind == 0u) {
        act = g / (1.0 + exp(-g));
    } else {
        // 0.5·g·(1 + tanh(√(2/π)·g·(1 + 0.044715·g²))), tanh through exp to stay finite for large |u|.
        float u = 0.7978845608028654 * g * (1.0 + 0.044715 * g * g);
        float t = 1.0 - 2.0 / (exp(2.0 * u) + 1.0);
        act = 0.5 * g * (1.0 + t);
    }
    a[p.outOff + row * p.outStride + i] = act * a[p.upOff + row * p.upStride + i];
}
