// What the matrix shaders (matvec_<type>.comp, matmul_<type>.comp) share: their buffers and push
// constants, and byte access to the raw GGUF blocks. A type's weights are read by
// types/<type>.glsl, which includes this file:
//   - quantized types define  void unitWeights(uint rowBase, uint u, out vec4 v[8]),  the 32
//     weights of unit u of the row starting at byte rowBase of `w` (a legacy block, or a
//     32-element slice of a 256-element K-quant super-block);
//   - F32, F16 and BF16 define ELEMENTWISE and  float weightAt(uint rowBase, uint c),  element c.
//
// y[yOffset + t*yStride + r] = sum_c dequant(W[r][c]) * x[xOffset + t*xStride + c]
// for every token t < tokens and row r < rows.
//
// Only core Vulkan 1.1 features: weights are read as 32-bit words and unpacked by hand.
// GL_EXT_control_flow_attributes only adds loop-unroll hints to the SPIR-V (no capability).
#ifndef BLOCKS_GLSL
#define BLOCKS_GLSL

#extension GL_EXT_control_flow_attributes : enable

// Raw GGUF bytes of the matrix, packed little-endian into uints.
layout(std430, set = 0, binding = 0) readonly buffer Weights { uint w[]; };
layout(std430, set = 0, binding = 1) readonly buffer Input { float x[]; };
layout(std430, set = 0, binding = 2) buffer Output { float y[]; };

layout(push_constant) uniform Params {
    uint rows;      // output features
    uint cols;      // elements per row
    uint rowBytes;  // bytes per row = cols / blockSize * typeSize
    uint tokens;    // number of input vectors
    uint wOffset;   // byte offset of row 0 inside `w` (a multiple of 4)
    uint xOffset;   // float offset of token 0's input in x
    uint xStride;   // floats between consecutive tokens' inputs
    uint yOffset;   // float offset of token 0's output in y
    uint yStride;   // floats between consecutive tokens' outputs
} p;

// ---- Byte access -------------------------------------------------------------------------------
// Blocks are 18, 22, 34, 110, 210… bytes, so fields are generally not 4-byte aligned.

// The byte at byte offset i.
uint byteAt(uint i) {
    return (w[i >> 2] >> ((i & 3u) * 8u)) & 0xffu;
}

// The f16 at even byte offset i (a 16-bit field never straddles two words).
float halfAt(uint i) {
    return unpackHalf2x16(w[i >> 2] >> ((i & 2u) * 8u)).x;
}

// The little-endian u16 at even byte offset i.
uint u16At(uint i) {
    return (w[i >> 2] >> ((i & 2u) * 8u)) & 0xffffu;
}

// The little-endian u32 at any byte offset i.
uint u32At(uint i) {
    uint k = i >> 2, s = (i & 3u) * 8u;
    uint lo = w[k];
    if (s == 0u) {
        return lo;
    }
    return (lo >> s) | (w[k + 1u] << (32u - s));
}

// The 16 bytes at even byte offset i as 4 little-endian words (reads no word past the last byte).
void load16Bytes(uint i, out uint q[4]) {
    uint k = i >> 2;
    if ((i & 2u) == 0u) {
        [[unroll]] for (uint j = 0u; j < 4u; j++) {
            q[j] = w[k + j];
        }
    } else {
        uint prev = w[k];
        [[unroll]] for (uint j = 0u; j < 4u; j++) {
            uint next = w[k + j + 1u];
            q[j] = (prev >> 16) | (next << 16);
            prev = next;
        }
    }
}

// The 32 bytes at even byte offset i as 8 little-endian words.
void load32Bytes(uint i, out uint q[8]) {
    uint k = i >> 2;
    if ((i & 2u) == 0u) {
        [[unroll]] for (uint j = 0u; j < 8u; j++) {
            q[j] = w[k + j];
        }
    } else {
        uint prev = w[k];
        [[unroll]] for (uint j = 0u; j < 8u; j++) {
            uint next = w[k + j + 1u];
            q[j] = (prev >> 16) | (next << 16);
            prev = next;
        }
    }
}

// The four bytes of a word, lowest first, unsigned.
uvec4 bytes4(uint word) {
    return (uvec4(word) >> uvec4(0u, 8u, 16u, 24u)) & 0xffu;
}

// The four bytes of a word, lowest first, as signed int8 values.
ivec4 signedBytes4(uint word) {
    return ivec4(uvec4(word) << uvec4(24u, 16u, 8u, 0u)) >> 24;
}

// Scale and min (6 bits each) of sub-block j (0..7) of a Q4_K/Q5_K super-block, from the 12
// packed bytes at byte offset i: sub-blocks 0-3 are the low 6 bits of bytes j and j + 4;
// sub-blocks 4-7 take their low 4 bits from byte j + 4 (scale: low nibble, min: high nibble) and
// their top 2 bits from the top bits of bytes j - 4 (scale) and j (min).
uvec2 scaleMinK4(uint i, uint j) {
    if (j < 4u) {
        return uvec2(byteAt(i + j) & 63u, byteAt(i + j + 4u) & 63u);
    }
    uint low = byteAt(i + j + 4u);
    return uvec2((low & 0xfu) | ((byteAt(i + j - 4u) >> 6) << 4),
                 (low >> 4) | ((byteAt(i + j) >> 6) << 4));
}

#endif
