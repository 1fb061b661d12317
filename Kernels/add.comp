#version 450
// out[i] = a[i] + b[i mod bPeriod] over n floats of the arena; b lies in the arena or, with
// bInVectors = 1, in the vectors buffer (a bias added to every row).
layout(local_size_x = 256) in;
layout(std430, set = 0, binding = 0) buffer Arena { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer Vectors { float v[]; };
layout(push_constant) uniform Params { uint n; uint aOff; uint bOff; uint outOff; uint bPeriod; uint bInVectors; } p;

void main() {
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
    if (i >= p.n) return;
    uint j = p.bOff + i % p.bPeriod;
    float b = p.bInVectors != 0u ? v[j] : a[j];
    a[p.outOff + i] = a[p.aOff + i] + b;
}
