#include "../blocks.glsl"

// Q4_K: 256 elements in 144 bytes: d (f16) at 0, dmin (f16) at 2, scales[12] at 4 (8 six-bit
// scales and mins, see scaleMinK4), qs[128] at 16.
// Sub-block j (elements 32j..32j+31) is the low nibbles (j even) or high nibbles (j odd) of
// qs[32*(j/2) .. +32]; w = d * scale_j * q - dmin * min_j.
// A unit is one sub-block: unit u = super-block u / 8, sub-block u % 8.
void unitWeights(uint rowBase, uint u, out vec4 v[8]) {
    uint base = rowBase + (u >> 3) * 144u, j = u & 7u;
    uvec2 sm = scaleMinK4(base + 4u, j);
    float dj = halfAt(base) * float(sm.x), mj = halfAt(base + 2u) * float(sm.y);
    uint qs[8];
    load32Bytes(base + 16u + 32u * (j >> 1), qs);
    uint shift = 4u * (j & 1u);
    [[unroll]] for (uint k = 0u; k < 8u; k++) {
        v[k] = dj * vec4((bytes4(qs[k]) >> shift) & 0xfu) - mj;
    }
}
