#version 450
#extension GL_GOOGLE_include_directive : require
#include "types/q3_k.glsl"
#include "matvec_common.glsl"
