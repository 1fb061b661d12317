// F32 weights: element c of a row is the 4-byte float at rowBase + 4c (rows are 4-byte aligned).
#include "../blocks.glsl"
#define ELEMENTWISE

float weightAt(uint rowBase, uint c) {
    return uintBitsToFloat(w[(rowBase >> 2) + c]);
}
