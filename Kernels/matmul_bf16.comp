#version 450
#extension GL_GOOGLE_include_directive : require
#include "types/bf16.glsl"
#include "matmul_common.glsl"
