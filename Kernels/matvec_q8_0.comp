#version 450
#extension GL_GOOGLE_include_directive : require
#include "types/q8_0.glsl"
#include "matvec_common.glsl"
