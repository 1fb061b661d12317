#include "../blocks.glsl"

// Q4_1: 32 elements in 20 bytes: d (f16) at 0, m (f16) at 2, qs[16] at 4.
// Element j < 16 is the low nibble of qs[j], element j + 16 its high nibble; w = d * q + m.
// A unit is one block.
void unitWeights(uint rowBase, uint u, out vec4 v[8]) {
    uint base = rowBase + u * 20u;
    float d = halfAt(base), m = halfAt(base + 2u);
    uint qs[4];
    load16Bytes(base + 4u, qs);
    [[unroll]] for (uint k = 0u; k < 4u; k++) {
        uvec4 q = bytes4(qs[k]);
        v[k] = d * vec4(q & 0xfu) + m;
        v[k + 4u] = d * vec4(q >> 4) + m;
    }
}
