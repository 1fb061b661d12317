#version 450
#extension GL_GOOGLE_include_directive : require
#include "matvec_common.glsl"

// Q4_1: 32 elements in 20 bytes: d (f16) at 0, m (f16) at 2, qs[16] at 4.
// Element j < 16 is the low nibble of qs[j], element j + 16 its high nibble; w = d * q + m.
void accumulateRow(uint rowBase, uint t0, uint nt) {
    uint blocks = p.cols / 32u;
    for (uint b = LANE; b < blocks; b += LANES) {
        uint base = rowBase + b * 20u;
        float d = halfAt(base), m = halfAt(base + 2u);
        uint qs[4];
        load16Bytes(base + 4u, qs);
        vec4 v[8];
        [[unroll]] for (uint k = 0u; k < 4u; k++) {
            uvec4 q = bytes4(qs[k]);
            v[k] = d * vec4(q & 0xfu) + m;
            v[k + 4u] = d * vec4(q >> 4) + m;
        }
        dotTokens32(v, b * 32u, t0, nt);
    }
}
