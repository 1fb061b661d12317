#version 450
// Rotary position embedding in place over `tokens` rows of `heads` vectors of headDim floats.
// The first `dims` of each head rotate by the angles of the row's table (dims/2 cosines then
// dims/2 sines, written by the host per token at tableOff + t·dims in the io buffer). Style 0
// pairs adjacent values (x[2i], x[2i+1]); style 1 (NeoX) pairs x[i] with x[i + dims/2].
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) buffer Arena { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer IO { float io[]; };
layout(push_constant) uniform Params {
    uint heads; uint headDim; uint dims; uint tokens; uint xOff; uint xStride; uint tableOff; uint style;
} p;

void main() {
    uint pairs = p.dims / 2u;
    uint index = gl_GlobalInvocationID.x, t = gl_GlobalInvocationID.y;
    if (index >= pairs * p.heads || t >= p.tokens) return;
    uint head = index / pairs, i = index % pairs;
    uint table = p.tableOff + t * p.dims;
    float c = io[table + i], s = io[table + pairs + i];
    uint base = p.xOff + t * p.xStride + head * p.headDim;
    uint i0 = p.style == 1u ? base + i : base + 2u * i;
    uint i1 = p.style == 1u ? base + i + pairs : base + 2u * i + 1u;
    float x0 = a[i0], x1 = a[i1];
    a[i0] = x0 * c - x1 * s;
    a[i1] = x0 * s + x1 * c;
}
