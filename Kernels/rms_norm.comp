#version 450
// RMS norm of `rows` rows of n floats in the arena: out = x / sqrt(mean(x²) + eps) · w, where w
// (n gains in the vectors buffer at wOff) is shared by every row; wOff = 0xffffffff: no gain.
// In place is allowed (out = x). One workgroup per row.
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) buffer Arena { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer Vectors { float v[]; };
layout(push_constant) uniform Params {
    uint n; uint rows; uint xOff; uint xStride; uint outOff; uint outStride; uint wOff; uint epsBits;
} p;
shared float partial[64];

void main() {
    uint row = gl_WorkGroupID.x, tid = gl_LocalInvocationID.x;
    if (row >= p.rows) return;   // uniform per workgroup
    uint x = p.xOff + row * p.xStride;
    float sum = 0.0;
    for (uint i = tid; i < p.n; i += 64) sum += a[x + i] * a[x + i];
    partial[tid] = sum;
    barrier();
    for (uint s = 32; s > 0; s >>= 1) {
        if (tid < s) partial[tid] += partial[tid + s];
        barrier();
    }
    float scale = 1.0 / sqrt(partial[0] / float(p.n) + uintBitsToFloat(p.epsBits));
    uint o = p.outOff + row * p.outStride;
    for (uint i = tid; i < p.n; i += 64) {
        float y = a[x + i] * scale;
        a[o + i] = p.wOff == 0xffffffffu ? y : y * v[p.wOff + i];
    }
}
