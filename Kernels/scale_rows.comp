#version 450
// Scales each of `rows` rows of n floats in the arena, in place, by its own factor from the io
// buffer (io[factorOff + row], written by the host): the per-position attention temperature of
// the queries (mistral3), and any per-row scale.
layout(local_size_x = 256) in;
layout(std430, set = 0, binding = 0) buffer Arena { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer IO { float io[]; };
layout(push_constant) uniform Params { uint n; uint rows; uint xOff; uint xStride; uint factorOff; } p;

void main() {
    uint i = gl_GlobalInvocationID.x, row = gl_GlobalInvocationID.y;
    if (i >= p.n || row >= p.rows) return;
    a[p.xOff + row * p.xStride + i] *= io[p.factorOff + row];
}
