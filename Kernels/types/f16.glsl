// F16 weights: element c of a row is the IEEE half at rowBase + 2c (an odd-length row leaves the
// next row 2-byte aligned; a half never straddles two words).
#include "../blocks.glsl"
#define ELEMENTWISE

float weightAt(uint rowBase, uint c) {
    return halfAt(rowBase + 2u * c);
}
