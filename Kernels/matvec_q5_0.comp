#version 450
#extension GL_GOOGLE_include_directive : require
#include "types/q5_0.glsl"
#include "matvec_common.glsl"
