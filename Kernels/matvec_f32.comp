#version 450
#extension GL_GOOGLE_include_directive : require

// F32 weights: element c of a row is the 4-byte float at rowBase + 4c (rows are 4-byte aligned).
#define MATVEC_ELEMENTWISE
#include "matvec_common.glsl"

float weightAt(uint rowBase, uint c) {
    return uintBitsToFloat(w[(rowBase >> 2) + c]);
}
