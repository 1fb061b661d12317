#version 450
// Stores `rows` rows of 2·pairs floats from the arena into the half-precision KV cache (two
// halves per uint): cache[dstOff + r·dstStride + i] = (x[2i], x[2i+1]) of row r.
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) readonly buffer Arena { float a[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Cache { uint kv[]; };
layout(push_constant) uniform Params { uint pairs; uint rows; uint srcOff; uint srcStride; uint dstOff; uint dstStride; } p;

void main() {
    uint i = gl_GlobalInvocationID.x, r = gl_GlobalInvocationID.y;
    if (i >= p.pairs || r >= p.rows) return;
    uint s = p.srcOff + r * p.srcStride + 2u * i;
    kv[p.dstOff + r * p.dstStride + i] = packHalf2x16(vec2(a[s], a[s + 1u]));
}
