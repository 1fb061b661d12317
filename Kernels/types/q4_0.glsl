#include "../blocks.glsl"

// Q4_0: 32 elements in 18 bytes: d (f16) at 0, qs[16] at 2.
// Element j < 16 is the low nibble of qs[j], element j + 16 its high nibble; w = d * (q - 8).
// A unit is one block.
void unitWeights(uint rowBase, uint u, out vec4 v[8]) {
    uint base = rowBase + u * 18u;
    float d = halfAt(base);
    uint qs[4];
    load16Bytes(base + 2u, qs);
    [[unroll]] for (uint k = 0u; k < 4u; k++) {  // word k: elements 4k..4k+3 and 16+4k..
        uvec4 q = bytes4(qs[k]);
        v[k] = d * (vec4(q & 0xfu) - 8.0);
        v[k + 4u] = d * (vec4(q >> 4) - 8.0);
    }
}
