#include "../blocks.glsl"

// Q6_K: 256 elements in 210 bytes: ql[128] at 0 (low 4 bits), qh[64] at 128 (high 2 bits),
// scales[16] (int8) at 192, d (f16) at 208.
// Sub-block j = 4h + k (elements 32j..32j+31, h = half of 128, k = 0..3): element 32j + l takes
// nibble k/2 of ql[64h + 32(k%2) + l] and bits 2k..2k+1 of qh[32h + l];
// w = d * scales[2j + l/16] * (q - 32). Unit u = super-block u / 8, sub-block u % 8.
void unitWeights(uint rowBase, uint u, out vec4 v[8]) {
    uint base = rowBase + (u >> 3) * 210u, j = u & 7u;
    uint h = j >> 2, k = j & 3u;
    float d = halfAt(base + 208u);
    uint sc = u16At(base + 192u + 2u * j);  // scales 2j and 2j + 1
    float d0 = d * float(int(sc << 24) >> 24), d1 = d * float(int(sc << 16) >> 24);
    uint ql[8], qh[8];
    load32Bytes(base + 64u * h + 32u * (k & 1u), ql);
    load32Bytes(base + 128u + 32u * h, qh);
    uint nibble = 4u * (k >> 1), shift = 2u * k;
    [[unroll]] for (uint e = 0u; e < 8u; e++) {
        uvec4 q = ((bytes4(ql[e]) >> nibble) & 0xfu) | (((bytes4(qh[e]) >> shift) & 3u) << 4);
        v[e] = (e < 4u ? d0 : d1) * vec4(ivec4(q) - 32);
    }
}
