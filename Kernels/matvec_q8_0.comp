#version 450
#extension GL_GOOGLE_include_directive : require
#include "matvec_common.glsl"

// Q8_0: 32 elements in 34 bytes: d (f16) at 0, qs[32] (int8) at 2; element j = d * qs[j].
void accumulateRow(uint rowBase, uint t0, uint nt) {
    uint blocks = p.cols / 32u;
    for (uint b = LANE; b < blocks; b += LANES) {
        uint base = rowBase + b * 34u;
        float d = halfAt(base);
        uint qs[8];
        load32Bytes(base + 2u, qs);
        vec4 v[8];
        [[unroll]] for (uint k = 0u; k < 8u; k++) {
            v[k] = d * vec4(signedBytes4(qs[k]));
        }
        dotTokens32(v, b * 32u, t0, nt);
    }
}
