#version 450
#extension GL_GOOGLE_include_directive : require
#include "matvec_common.glsl"

// Q4_0: 32 elements in 18 bytes: d (f16) at 0, qs[16] at 2.
// Element j < 16 is the low nibble of qs[j], element j + 16 its high nibble; w = d * (q - 8).
void accumulateRow(uint rowBase, uint t0, uint nt) {
    uint blocks = p.cols / 32u;
    for (uint b = LANE; b < blocks; b += LANES) {
        uint base = rowBase + b * 18u;
        float d = halfAt(base);
        uint qs[4];
        load16Bytes(base + 2u, qs);
        vec4 v[8];
        [[unroll]] for (uint k = 0u; k < 4u; k++) {  // word k: elements 4k..4k+3 and 16+4k..
            uvec4 q = bytes4(qs[k]);
            v[k] = d * (vec4(q & 0xfu) - 8.0);
            v[k + 4u] = d * (vec4(q >> 4) - 8.0);
        }
        dotTokens32(v, b * 32u, t0, nt);
    }
}
