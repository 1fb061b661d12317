// Matrix-vector products for decode and short passes (matvec_<type>.comp): see blocks.glsl for
// the product and how a type's weights are read.
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
// Quantized rows are split into 32-element units, unit = LANE, LANE + LANES, …; element-wise
// rows into elements c = LANE, LANE + LANES, … (any number of columns).

#include "blocks.glsl"

layout(local_size_x = 64) in;

const uint THREADS = 64u;
layout(constant_id = 0) const uint ROWS = 4u;   // rows per workgroup
const uint LANES = THREADS / ROWS;   // threads per row
const uint CHUNK = 8u;  // tokens per pass over the row
#define LANE (gl_LocalInvocationID.x % LANES)

shared float partials[CHUNK * THREADS];  // token t's partial sums at [t * 64 ..< t * 64 + 64]

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

#ifdef ELEMENTWISE

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
#else
// Adds this thread's units of the row times tokens t0 ..< t0 + nt to its slots.
void accumulateRow(uint rowBase, uint t0, uint nt) {
    uint units = p.cols / 32u;
    for (uint u = LANE; u < units; u += LANES) {
        vec4 v[8];
        unitWeights(rowBase, u, v);
        dotTokens32(v, u * 32u, t0, nt);
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
