#!/usr/bin/env python3
"""Oracle data for the Tensor quantization tests, from the Python `gguf` package (numpy).

Usage: quants.py OUT_DIR

For every type with a dequantizer in gguf.quants it writes OUT_DIR/<TYPE>.bin (random blocks,
17 rows x 3 blocks, with finite but extreme scales) and OUT_DIR/<TYPE>.f32 (gguf.quants.dequantize
of them). 17 rows make gguf's 16-row grouping end on a partial group. For every type gguf.quants can
quantize it writes OUT_DIR/<TYPE>.in.f32 (17 rows x 96 floats, mixed magnitudes, zero and constant
blocks, ties) and OUT_DIR/<TYPE>.q (gguf.quants.quantize of them).

For Q8_0 and Q8_1 it also writes OUT_DIR/<TYPE>.tail, the start of the activation tail the
kernels expect after a row of those blocks (the .q file read as one row): every block's d as F32,
then every block's Σq as int32 (Q8_0) or s as F32 (Q8_1).

Q8_1 and Q8_K (the activation formats, absent from gguf.quants) are covered by numpy
transcriptions of ggml's quantize_row_q8_1_ref / quantize_row_q8_K_ref / dequantize_row_q8_K.
"""
import sys
import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

ROWS = 17
BLOCKS_PER_ROW = 3

# Offsets of the f16 scale fields in each block (all must be finite for a NaN/Inf-free oracle).
HALF_FIELDS = {
    "Q4_0": (18, [0]), "Q4_1": (20, [0, 2]), "Q5_0": (22, [0]), "Q5_1": (24, [0, 2]),
    "Q8_0": (34, [0]), "Q8_1": (36, [0, 2]), "Q2_K": (84, [80, 82]), "Q3_K": (110, [108]),
    "Q4_K": (144, [0, 2]), "Q5_K": (176, [0, 2]), "Q6_K": (210, [208]),
}
EXTREME_HALVES = np.array([65504.0, -65504.0, 6.1035156e-05, 5.9604645e-08, 0.0, -0.0, 1.0, -2.5e-3],
                          dtype=np.float16)


def random_halves(rng, n):
    values = (rng.standard_normal(n) * 0.05).astype(np.float16)
    picks = rng.random(n) < 0.3
    values[picks] = rng.choice(EXTREME_HALVES, size=picks.sum())
    return values


def random_blocks(rng, name):
    if name in ("F16", "BF16"):
        count = ROWS * 32 * BLOCKS_PER_ROW
        if name == "F16":
            data = random_halves(rng, count)
        else:
            data = (rng.standard_normal(count) * 10.0 ** rng.integers(-30, 30, count)).astype(np.float32)
            data = (data.view(np.uint32) >> 16).astype(np.uint16)
        return data.view(np.uint8).reshape(ROWS, -1)
    if name == "Q8_K":
        raw = rng.integers(0, 256, size=(ROWS * BLOCKS_PER_ROW, 292), dtype=np.uint8)
        d = (rng.standard_normal(ROWS * BLOCKS_PER_ROW) * 10.0 ** rng.integers(-20, 20, ROWS * BLOCKS_PER_ROW))
        raw[:, 0:4] = d.astype(np.float32).view(np.uint8).reshape(-1, 4)
        return raw.reshape(ROWS, -1)
    size, fields = HALF_FIELDS[name]
    raw = rng.integers(0, 256, size=(ROWS * BLOCKS_PER_ROW, size), dtype=np.uint8)
    for offset in fields:
        raw[:, offset:offset + 2] = random_halves(rng, raw.shape[0]).view(np.uint8).reshape(-1, 2)
    return raw.reshape(ROWS, -1)


def dequantize_q8_k(raw):
    blocks = raw.reshape(-1, 292)
    d = blocks[:, 0:4].copy().view(np.float32)
    q = blocks[:, 4:260].view(np.int8).astype(np.float32)
    return (d * q).reshape(raw.shape[0], -1)


def dequantize_q8_1(raw):
    blocks = raw.reshape(-1, 36)
    d = blocks[:, 0:2].copy().view(np.float16).astype(np.float32)
    q = blocks[:, 4:36].view(np.int8).astype(np.float32)
    return (q * d).reshape(raw.shape[0], -1)


def roundf(n):
    a = np.abs(n)
    floored = np.floor(a)
    return np.sign(n) * (floored + np.floor(2 * (a - floored)))


def quantize_q8_1(x):
    blocks = x.reshape(-1, 32)
    d = np.abs(blocks).max(axis=1, keepdims=True) / np.float32(127)
    with np.errstate(divide="ignore"):
        inv = np.where(d == 0, np.float32(0), np.float32(1) / d).astype(np.float32)
    q = roundf(blocks * inv).astype(np.int8)
    s = (q.astype(np.int32).sum(axis=1, keepdims=True).astype(np.float32) * d).astype(np.float16)
    out = np.concatenate([d.astype(np.float16).view(np.uint8), s.view(np.uint8), q.view(np.uint8)], axis=1)
    return out.reshape(x.shape[0], -1)


def quantize_q8_k(x):
    blocks = x.reshape(-1, 256)
    out = np.zeros((blocks.shape[0], 292), dtype=np.uint8)
    for i, b in enumerate(blocks):
        imax = np.abs(b).argmax()
        if b[imax] == 0:
            continue
        iscale = np.float32(-127) / b[imax]
        q = np.minimum(np.rint(iscale * b), 127).astype(np.int8)
        out[i, 0:4] = np.array([np.float32(1) / iscale], dtype=np.float32).view(np.uint8)
        out[i, 4:260] = q.view(np.uint8)
        out[i, 260:292] = q.astype(np.int16).reshape(16, 16).sum(axis=1).astype(np.int16).view(np.uint8)
    return out.reshape(x.shape[0], -1)


def quantize_input(rng, cols, max_exponent):
    x = rng.standard_normal((ROWS, cols)).astype(np.float32)
    magnitudes = 10.0 ** rng.integers(-6, max_exponent + 1, size=(ROWS, 1))
    x *= magnitudes.astype(np.float32)
    x[1, :] = 0                                   # an all-zero row
    x[2, :] = 3.25                                # constant blocks (d = 0 for affine types)
    x[3, :] = (np.arange(cols) % 17 - 8) * 0.5    # exact halves: rounding ties
    x[4, :] = -x[4, :].max()                      # negative constant of the row's magnitude
    return x


def main():
    out = sys.argv[1]
    dequant_types = ["F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                     "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_1", "Q8_K"]
    for seed, name in enumerate(dequant_types):
        rng = np.random.default_rng(1000 + seed)
        raw = random_blocks(rng, name)
        if name == "Q8_K":
            values = dequantize_q8_k(raw)
        elif name == "Q8_1":
            values = dequantize_q8_1(raw)
        else:
            values = quants.dequantize(raw, T[name])
        raw.tofile(f"{out}/{name}.bin")
        np.ascontiguousarray(values, dtype=np.float32).tofile(f"{out}/{name}.f32")

    for seed, name in enumerate(["F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q8_K"]):
        rng = np.random.default_rng(2000 + seed)
        # Q8_1 stores d·Σq as f16: keep it finite.
        x = quantize_input(rng, 512 if name == "Q8_K" else 96, 1 if name == "Q8_1" else 4)
        if name == "Q8_1":
            q = quantize_q8_1(x)
        elif name == "Q8_K":
            q = quantize_q8_k(x)
        else:
            q = quants.quantize(x, T[name])
        x.tofile(f"{out}/{name}.in.f32")
        np.ascontiguousarray(q).view(np.uint8).tofile(f"{out}/{name}.q")
        if name in ("Q8_0", "Q8_1"):
            activation_tail(np.ascontiguousarray(q).view(np.uint8), 34 if name == "Q8_0" else 36).tofile(f"{out}/{name}.tail")


def activation_tail(q, size):
    blocks = q.reshape(-1, size)
    d = blocks[:, 0:2].copy().view(np.float16).astype(np.float32).ravel()
    if size == 34:
        second = blocks[:, 2:].view(np.int8).astype(np.int32).sum(axis=1).astype(np.int32)
    else:
        second = blocks[:, 2:4].copy().view(np.float16).astype(np.float32).ravel()
    return np.concatenate([d.view(np.uint8), second.view(np.uint8)])


if __name__ == "__main__":
    main()
