#version 450
#extension GL_GOOGLE_include_directive : require
#include "types/q5_0.glsl"
#include "matmul_common.glsl"
