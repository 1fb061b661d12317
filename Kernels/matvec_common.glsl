// Shared part of the dequantizing matrix-vector shaders (matvec_<type>.comp).
//
// y[yOffset + t*yStride + r] = sum_c dequant(W[r][c]) * x[xOffset + t*xStride + c]
// for every token t < tokens and row r < rows.
//
// One workgroup of 64 threads computes ROWS consecutive rows for all tokens, LANES = 64 / ROWS
// threads per row; ROWS is specialization constant 0 (1, 2, 4, 8 or 16; the host picks 4 for
// GPUs and 16 for CPU implementations, whose cost is mostly per workgroup). Tokens are taken in chunks of up to 8: each thread dequantizes its share of
// its row once per chunk and keeps 8 partial sums, which are then reduced through shared
// memory. The host dispatches (min(g, 32768), ceil(g / 32768), 1) workgroups, g = ceil(rows / ROWS).
// (One row per workgroup left most threads idle on short rows — a 576-column Q4_1 row has 18
// blocks — and CPU implementations such as lavapipe pay a fixed cost per workgroup.)
//
// The partial sums live in the thread's own shared-memory slots, partials[t * 64 + tid], rather
// than in a register array: that lets the token loop run exactly nt times (a loop over a
// register array would need either dynamic indexing, which spills on GPUs, or 8 guarded copies,
// which CPU implementations such as lavapipe execute masked even when the guard is false: 3-4x
// slower for one token there). A read-modify-write of a shared slot per 32 multiply-adds is
// cheap on GPUs.
//
// A type file includes this one and then defines
//     void accumulateRow(uint rowBase, uint t0, uint nt);
// which adds this thread's share of the row (starting at byte rowBase of `w`) times tokens
// t0 ..< t0 + nt into its slots (with dotTokens32). Quantized types split the row into
// 32-element units (a legacy block, or a 32-element slice of a 256-element K-quant super-block):
// unit = LANE, LANE + LANES, ... Types without blocks (F32, F16, BF16) define MATVEC_ELEMENTWISE
// before the include and define
//     float weightAt(uint rowBase, uint c);
// instead; this file then provides accumulateRow for any number of columns.
//
// Only core Vulkan 1.1 features: weights are read as 32-bit words and unpacked by hand.
// GL_EXT_control_flow_attributes only adds loop-unroll hints to the SPIR-V (no capability).

#extension GL_EXT_control_flow_attributes : enable

layout(local_size_x = 64) in;

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

const uint THREADS = 64u;
layout(constant_id = 0) const uint ROWS = 4u;   // rows per workgroup
const uint LANES = THREADS / ROWS;   // threads per row
const uint CHUNK = 8u;  // tokens per pass over the row
#define LANE (gl_LocalInvocationID.x % LANES)

shared float partials[CHUNK * THREADS];  // token t's partial sums at [t * 64 ..< t * 64 + 64]

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

// ---- Dot products with the chunk's tokens ------------------------------------------------------

// dot(v, x[o .. o + 31]).
float dotX32(vec4 v[8], uint o) {
    float s = 0.0;
    [[unroll]] for (uint k = 0u; k < 8u; k++) {
        uint e = o + 4u * k;
        s += dot(v[k], vec4(x[e], x[e + 1u], x[e + 2u], x[e + 3u]));
    }
    return s;
}

// Adds dot(v, x_t[col .. col + 31]) to this thread's partial sum of token t0 + t, t < nt.
void dotTokens32(vec4 v[8], uint col, uint t0, uint nt) {
    uint o = p.xOffset + t0 * p.xStride + col, slot = gl_LocalInvocationID.x;
    for (uint t = 0u; t < nt; t++) {
        partials[slot] += dotX32(v, o);
        o += p.xStride;
        slot += THREADS;
    }
}

void accumulateRow(uint rowBase, uint t0, uint nt);

#ifdef MATVEC_ELEMENTWISE
float weightAt(uint rowBase, uint c);

// Element c of the row goes to lane c % LANES, four elements (c, c + LANES, …) at a time, so
// neighbouring lanes read neighbouring weights and inputs; any cols >= 1.
void accumulateRow(uint rowBase, uint t0, uint nt) {
    uint x0 = p.xOffset + t0 * p.xStride, tid = gl_LocalInvocationID.x;
    uint c = LANE;
    for (; c + 3u * LANES < p.cols; c += 4u * LANES) {
        vec4 v = vec4(weightAt(rowBase, c), weightAt(rowBase, c + LANES),
                      weightAt(rowBase, c + 2u * LANES), weightAt(rowBase, c + 3u * LANES));
        uint o = x0 + c, slot = tid;
        for (uint t = 0u; t < nt; t++) {
            partials[slot] += dot(v, vec4(x[o], x[o + LANES], x[o + 2u * LANES], x[o + 3u * LANES]));
            o += p.xStride;
            slot += THREADS;
        }
    }
    for (; c < p.cols; c += LANES) {  // the last, partial group
        float v = weightAt(rowBase, c);
        uint o = x0 + c, slot = tid;
        for (uint t = 0u; t < nt; t++) {
            partials[slot] += v * x[o];
            o += p.xStride;
            slot += THREADS;
        }
    }
}
#endif

void main() {
    uint first = (gl_WorkGroupID.x + gl_WorkGroupID.y * 32768u) * ROWS;
    // Uniform per workgroup, so returning here keeps every barrier below reached by all threads;
    // a row past the end in a partly filled workgroup only skips its work.
    if (first >= p.rows) {
        return;
    }
    uint tid = gl_LocalInvocationID.x;
    uint row = first + tid / LANES;
    bool inside = row < p.rows;
    uint rowBase = p.wOffset + row * p.rowBytes;

    for (uint t0 = 0u; t0 < p.tokens; t0 += CHUNK) {
        uint nt = min(CHUNK, p.tokens - t0);
        [[unroll]] for (uint t = 0u; t < CHUNK; t++) {
            partials[t * THREADS + tid] = 0.0;
        }
        if (inside) {
            accumulateRow(rowBase, t0, nt);
        }
        // Item k = (token k / ROWS, row k % ROWS) sums its row's LANES lane sums. The barrier
        // after keeps the next chunk's zeroing behind this chunk's reads.
        barrier();
        for (uint k = tid; k < nt * ROWS; k += THREADS) {
            uint t = k / ROWS, r = k % ROWS;
            if (first + r < p.rows) {
                float total = 0.0;
                uint base = t * THREADS + r * LANES;
                for (uint i = 0u; i < LANES; i++) {
                    total += partials[base + i];
                }
                y[p.yOffset + (t0 + t) * p.yStride + first + r] = total;
            }
        }
        barrier();
    }
}
