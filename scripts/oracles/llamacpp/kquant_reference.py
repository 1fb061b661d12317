#!/usr/bin/env python3
"""llama.cpp's K-quant quantizer outputs, block for block, for `QuantizeKTests`.

    python3 scripts/oracles/llamacpp/kquant_reference.py LLAMA_CPP_DIR OUT_DIR

LLAMA_CPP_DIR is a llama.cpp checkout built with shared libraries (build/bin/libggml-base.so;
see README.md). Writes OUT_DIR/kquants.in.f32 (64 super-blocks of 256 floats: weight-like
Gaussians, outliers, one-signed blocks, zero, constant and tiny sub-blocks) and
OUT_DIR/kquants.TYPE.bin for Q4_K, Q5_K and Q6_K: `ggml_quantize_chunk` without an importance
matrix, which is what `llama-quantize` runs for these types.
"""
import ctypes
import sys
from pathlib import Path

import numpy as np

TYPES = {"Q4_K": (12, 144), "Q5_K": (13, 176), "Q6_K": (14, 210)}  # ggml type id, block bytes


def blocks() -> np.ndarray:
    rng = np.random.default_rng(20261205)
    rows = []
    for _ in range(28):
        rows.append(rng.normal(0, 0.02, 256))
    for _ in range(8):
        r = rng.normal(0, 0.02, 256)
        r[rng.integers(0, 256, 3)] *= 25
        rows.append(r)
    for _ in range(6):
        rows.append(rng.standard_t(3, 256) * 0.05)
    rows.append(rng.uniform(0.1, 1.0, 256))
    rows.append(rng.uniform(0.0, 0.3, 256))
    rows.append(-rng.uniform(0.0, 2.0, 256))
    rows.append(rng.uniform(-1, 1, 256) + 3)
    rows.append(np.zeros(256))
    rows.append(np.full(256, 0.75))
    rows.append(rng.normal(0, 1e-20, 256))
    half_zero = rng.normal(0, 0.5, 256)
    half_zero[:128] = 0
    rows.append(half_zero)
    sparse = np.zeros(256)
    sparse[rng.integers(0, 256, 5)] = rng.normal(0, 1, 5)
    rows.append(sparse)
    for scale in (1e-4, 1.0, 100.0, 3e4):
        rows.append(rng.normal(0, scale, 256))
    steps = np.round(rng.normal(0, 4, 256)) * 0.01   # values already on a grid
    rows.append(steps)
    for _ in range(64 - len(rows)):
        rows.append(rng.laplace(0, 0.03, 256))
    return np.array(rows, dtype=np.float32)


def main() -> None:
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    lib = ctypes.CDLL(str(root / "build/bin/libggml-base.so"))
    lib.ggml_quantize_chunk.restype = ctypes.c_size_t
    lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                                        ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    x = np.ascontiguousarray(blocks())
    out.mkdir(parents=True, exist_ok=True)
    (out / "kquants.in.f32").write_bytes(x.tobytes())
    for name, (type_id, size) in TYPES.items():
        dst = np.zeros(x.shape[0] * size, dtype=np.uint8)
        n = lib.ggml_quantize_chunk(type_id, x.ctypes.data, dst.ctypes.data, 0, x.shape[0], 256, None)
        assert n == dst.size, (name, n, dst.size)
        (out / f"kquants.{name}.bin").write_bytes(dst.tobytes())
        print(name, n, "bytes")


if __name__ == "__main__":
    main()
