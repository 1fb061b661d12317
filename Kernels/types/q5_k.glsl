#include "../blocks.glsl"

// Q5_K: 256 elements in 176 bytes: d (f16) at 0, dmin (f16) at 2, scales[12] at 4 (as Q4_K),
// qh[32] at 16, qs[128] at 48.
// Element 32j + l of sub-block j: low 4 bits = nibble j%2 of qs[32*(j/2) + l], bit 4 = bit j of
// qh[l]; w = d * scale_j * q - dmin * min_j. Unit u = super-block u / 8, sub-block u % 8.
void unitWeights(uint rowBase, uint u, out vec4 v[8]) {
    uint base = rowBase + (u >> 3) * 176u, j = u & 7u;
    uvec2 sm = scaleMinK4(base + 4u, j);
    float dj = halfAt(base) * float(sm.x), mj = halfAt(base + 2u) * float(sm.y);
    uint qh[8], qs[8];
    load32Bytes(base + 16u, qh);
    load32Bytes(base + 48u + 32u * (j >> 1), qs);
    uint shift = 4u * (j & 1u);
    [[unroll]] for (uint k = 0u; k < 8u; k++) {
        uvec4 q = ((bytes4(qs[k]) >> shift) & 0xfu) | (((bytes4(qh[k]) >> j) & 1u) << 4);
        v[k] = dj * vec4(q) - mj;
    }
}
