// BF16 weights: element c of a row is the 16-bit value at rowBase + 2c, the top half of an f32.
#include "../blocks.glsl"
#define ELEMENTWISE

float weightAt(uint rowBase, uint c) {
    uint i = rowBase + 2u * c;
    return uintBitsToFloat(((w[i >> 2] >> ((i & 2u) * 8u)) & 0xffffu) << 16);
}
