#include "../blocks.glsl"

// Q2_K: 256 elements in 84 bytes: scales[16] at 0 (low nibble scale, high nibble min),
// qs[64] at 16 (2 bits each), d (f16) at 80, dmin (f16) at 82.
// Sub-block j = 4h + s (elements 32j..32j+31): element 32j + l is bits 2s..2s+1 of qs[32h + l];
// with sc = scales[2j + l/16]: w = d * (sc & 15) * q - dmin * (sc >> 4).
// Unit u = super-block u / 8, sub-block u % 8.
void unitWeights(uint rowBase, uint u, out vec4 v[8]) {
    uint base = rowBase + (u >> 3) * 84u, j = u & 7u;
    uint h = j >> 2, s = j & 3u;
    float d = halfAt(base + 80u), dmin = halfAt(base + 82u);
    uint sc0 = byteAt(base + 2u * j), sc1 = byteAt(base + 2u * j + 1u);
    float dl0 = d * float(sc0 & 0xfu), ml0 = dmin * float(sc0 >> 4);
    float dl1 = d * float(sc1 & 0xfu), ml1 = dmin * float(sc1 >> 4);
    uint qs[8];
    load32Bytes(base + 16u + 32u * h, qs);
    [[unroll]] for (uint e = 0u; e < 8u; e++) {
        vec4 q = vec4((bytes4(qs[e]) >> (2u * s)) & 3u);
        v[e] = e < 4u ? dl0 * q - ml0 : dl1 * q - ml1;
    }
}
