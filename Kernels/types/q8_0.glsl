#include "../blocks.glsl"

// Q8_0: 32 elements in 34 bytes: d (f16) at 0, qs[32] (int8) at 2; element j = d * qs[j].
// A unit is one block.
void unitWeights(uint rowBase, uint u, out vec4 v[8]) {
    uint base = rowBase + u * 34u;
    float d = halfAt(base);
    uint qs[8];
    load32Bytes(base + 2u, qs);
    [[unroll]] for (uint k = 0u; k < 8u; k++) {
        v[k] = d * vec4(signedBytes4(qs[k]));
    }
}
