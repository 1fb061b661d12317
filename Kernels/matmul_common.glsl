// Tiled matrix products for prefill (matmul_<type>.comp): see blocks.glsl for the product and how
// a type's weights are read.
//
// A workgroup of 64 threads computes a tile of 64 rows × 32 tokens; the host dispatches
// (ceil(rows / 64), ceil(tokens / 32), 1) workgroups. The columns are walked 32 at a time: each
// thread dequantizes one 32-element unit of its own row into shared memory, the workgroup loads
// the 32 tokens' 32 inputs beside it, and every thread then adds a 4-row × 8-token block of
// products (rows r0 + 16i, tokens t0 + 4j) from the two shared tiles. So each weight is
// dequantized once per 32 tokens (the matvec shaders: once per 8) and each input is read once
// per 64 rows, and all 32 sums of a thread stay in registers (every index is a constant once the
// loops are unrolled). Shared memory: (64 + 32) × 33 floats = 12.4 KiB, under the 16 KiB every
// Vulkan device offers; the 33rd column staggers the rows across memory banks.

#include "blocks.glsl"

layout(local_size_x = 64) in;

const uint TM = 64u;   // rows per tile
const uint TN = 32u;   // tokens per tile
const uint TK = 32u;   // columns per step (one unit)
const uint PITCH = TK + 1u;

shared float wTile[TM * PITCH];  // row r's 32 weights of the step at [r * PITCH ..]
shared float xTile[TN * PITCH];  // token t's 32 inputs of the step at [t * PITCH ..]

#ifdef ELEMENTWISE
// The 32 elements of unit u (zeros past the last column).
void unitWeights(uint rowBase, uint u, out vec4 v[8]) {
    uint c0 = u * 32u;
    [[unroll]] for (uint k = 0u; k < 8u; k++) {
        uint c = c0 + 4u * k;
        v[k] = vec4(c < p.cols ? weightAt(rowBase, c) : 0.0,
                    c + 1u < p.cols ? weightAt(rowBase, c + 1u) : 0.0,
                    c + 2u < p.cols ? weightAt(rowBase, c + 2u) : 0.0,
                    c + 3u < p.cols ? weightAt(rowBase, c + 3u) : 0.0);
    }
}
#endif

void main() {
    uint tid = gl_LocalInvocationID.x;
    uint row0 = gl_WorkGroupID.x * TM, token0 = gl_WorkGroupID.y * TN;
    uint nt = min(TN, p.tokens - token0);
    uint myRow = row0 + tid;   // the row this thread dequantizes
    uint rowBase = p.wOffset + myRow * p.rowBytes;
    uint r0 = tid % 16u, t0 = tid / 16u;   // this thread's products: rows r0 + 16i, tokens t0 + 4j

    float acc[32];
    [[unroll]] for (uint i = 0u; i < 32u; i++) {
        acc[i] = 0.0;
    }
    uint units = (p.cols + TK - 1u) / TK;
    for (uint u = 0u; u < units; u++) {
        vec4 v[8];
        if (myRow < p.rows) {
            unitWeights(rowBase, u, v);
        } else {
            [[unroll]] for (uint k = 0u; k < 8u; k++) {
                v[k] = vec4(0.0);
            }
        }
        [[unroll]] for (uint k = 0u; k < 8u; k++) {
            uint o = tid * PITCH + 4u * k;
            wTile[o] = v[k].x;
            wTile[o + 1u] = v[k].y;
            wTile[o + 2u] = v[k].z;
            wTile[o + 3u] = v[k].w;
        }
        // 32 tokens × 32 columns, 16 per thread; neighbouring threads read neighbouring inputs.
        [[unroll]] for (uint i = 0u; i < 16u; i++) {
            uint item = tid + 64u * i, t = item / TK, c = item % TK, col = u * TK + c;
            xTile[t * PITCH + c] = t < nt && col < p.cols ? x[p.xOffset + (token0 + t) * p.xStride + col] : 0.0;
        }
        barrier();
        [[unroll]] for (uint k = 0u; k < TK; k++) {
            float a[4], b[8];
            [[unroll]] for (uint i = 0u; i < 4u; i++) {
                a[i] = wTile[(r0 + 16u * i) * PITCH + k];
            }
            [[unroll]] for (uint j = 0u; j < 8u; j++) {
                b[j] = xTile[(t0 + 4u * j) * PITCH + k];
            }
            [[unroll]] for (uint i = 0u; i < 4u; i++) {
                [[unroll]] for (uint j = 0u; j < 8u; j++) {
                    acc[i * 8u + j] += a[i] * b[j];
                }
            }
        }
        // The next step overwrites the tiles only after every thread has read them.
        barrier();
    }
    [[unroll]] for (uint i = 0u; i < 4u; i++) {
        uint row = row0 + r0 + 16u * i;
        [[unroll]] for (uint j = 0u; j < 8u; j++) {
            uint t = t0 + 4u * j;
            if (row < p.rows && t < nt) {
                y[p.yOffset + (token0 + t) * p.yStride + row] = acc[i * 8u + j];
            }
        }
    }
}
