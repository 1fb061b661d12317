#version 450
#extension GL_GOOGLE_include_directive : require
#include "types/q6_k.glsl"
#include "matmul_common.glsl"
