#include "../blocks.glsl"

// Q3_K: 256 elements in 110 bytes: hmask[32] at 0, qs[64] at 32 (2 low bits each), scales[12] at
// 96 (16 six-bit signed scales), d (f16) at 108.
// Sub-block j = 4h + s (elements 32j..32j+31): element 32j + l has low bits 2s..2s+1 of
// qs[32h + l] and high bit j of hmask[l]; a clear high bit means "minus 4":
// w = d * (scale[2j + l/16] - 32) * (low - (hbit ? 0 : 4)). Unit u = super-block u / 8, j = u % 8.

// Six-bit scale i (0..15) of the 12 bytes at byte offset b, minus 32: low 4 bits are nibble
// i/8 of byte i%8, high 2 bits are bits 2(i/4)..2(i/4)+1 of byte 8 + i%4.
int scaleQ3K(uint b, uint i) {
    uint low = (byteAt(b + (i & 7u)) >> (4u * (i >> 3))) & 0xfu;
    uint high = (byteAt(b + 8u + (i & 3u)) >> (2u * (i >> 2))) & 3u;
    return int(low | (high << 4)) - 32;
}

void unitWeights(uint rowBase, uint u, out vec4 v[8]) {
    uint base = rowBase + (u >> 3) * 110u, j = u & 7u;
    uint h = j >> 2, s = j & 3u;
    float d = halfAt(base + 108u);
    float d0 = d * float(scaleQ3K(base + 96u, 2u * j));
    float d1 = d * float(scaleQ3K(base + 96u, 2u * j + 1u));
    uint hm[8], qs[8];
    load32Bytes(base, hm);
    load32Bytes(base + 32u + 32u * h, qs);
    [[unroll]] for (uint e = 0u; e < 8u; e++) {
        ivec4 low = ivec4((bytes4(qs[e]) >> (2u * s)) & 3u);
        ivec4 minus = ivec4(((bytes4(hm[e]) >> j) & 1u) ^ 1u) << 2;
        v[e] = (e < 4u ? d0 : d1) * vec4(low - minus);
    }
}
