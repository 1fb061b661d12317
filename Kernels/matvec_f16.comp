#version 450
#extension GL_GOOGLE_include_directive : require
#include "types/f16.glsl"
#include "matvec_common.glsl"
