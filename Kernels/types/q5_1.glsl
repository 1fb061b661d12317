#include "../blocks.glsl"

// Q5_1: 32 elements in 24 bytes: d (f16) at 0, m (f16) at 2, qh (u32) at 4, qs[16] at 8.
// Element j < 16: low nibble of qs[j] plus bit j of qh as bit 4; element j + 16: high nibble of
// qs[j] plus bit j + 16 of qh. w = d * q + m.
// A unit is one block.
void unitWeights(uint rowBase, uint u, out vec4 v[8]) {
    uint base = rowBase + u * 24u;
    float d = halfAt(base), m = halfAt(base + 2u);
    uint qh = u32At(base + 4u);
    uint qs[4];
    load16Bytes(base + 8u, qs);
    [[unroll]] for (uint k = 0u; k < 4u; k++) {
        uvec4 q = bytes4(qs[k]);
        uvec4 lanes = uvec4(0u, 1u, 2u, 3u) + 4u * k;
        uvec4 hiLow = ((uvec4(qh) >> lanes) & 1u) << 4;
        uvec4 hiHigh = ((uvec4(qh) >> (lanes + 16u)) & 1u) << 4;
        v[k] = d * vec4((q & 0xfu) | hiLow) + m;
        v[k + 4u] = d * vec4((q >> 4) | hiHigh) + m;
    }
}
