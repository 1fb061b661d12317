#!/usr/bin/env python3
"""Write the GGUF test fixtures with the Python `gguf` package (an independent writer).

For each fixture NAME.gguf it also writes NAME.json: what was written (metadata keys with their
GGUF value type and value, tensors with type, shape and their bytes in hex), so the Swift
tests compare our reader against the writer's inputs.

Usage: make_gguf_fixtures.py OUT_DIR
"""
import json
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf import GGUFWriter, GGUFValueType as VT, GGMLQuantizationType as QT, GGML_QUANT_SIZES
import gguf.gguf_writer as gw

SCALARS = [
    ("test.uint8", 200, VT.UINT8), ("test.int8", -100, VT.INT8),
    ("test.uint16", 60000, VT.UINT16), ("test.int16", -30000, VT.INT16),
    ("test.uint32", 4000000000, VT.UINT32), ("test.int32", -2000000000, VT.INT32),
    ("test.uint64", 18000000000000000000, VT.UINT64), ("test.int64", -9000000000000000000, VT.INT64),
    ("test.float32", 0.15625, VT.FLOAT32), ("test.float64", -2.5e-300, VT.FLOAT64),
    ("test.bool_true", True, VT.BOOL), ("test.bool_false", False, VT.BOOL),
    ("test.string", "héllo ▁wörld 🦙 \n\t\"quoted\"", VT.STRING), ("test.empty_string", "", VT.STRING),
]
ARRAYS = [
    ("test.array.uint8", [0, 1, 255], VT.UINT8), ("test.array.int8", [-128, 0, 127], VT.INT8),
    ("test.array.uint16", [0, 65535], VT.UINT16), ("test.array.int16", [-32768, 32767], VT.INT16),
    ("test.array.uint32", [1, 4294967295], VT.UINT32), ("test.array.int32", [-7, 7, 2147483647], VT.INT32),
    ("test.array.uint64", [2**64 - 1, 0], VT.UINT64), ("test.array.int64", [-(2**63), 2**63 - 1], VT.INT64),
    ("test.array.float32", [0.5, -1.25, 3.0e10], VT.FLOAT32), ("test.array.float64", [1e-300, -0.1], VT.FLOAT64),
    ("test.array.bool", [True, False, True], VT.BOOL),
    ("test.array.string", ["a", "", "ü▁", "<|im_start|>"], VT.STRING),
]
NESTED = ("test.array.nested", [[1, 2, 3], [4], [5, 6]])

# Q8_1 is left out: the Python package's table says 40 bytes a block, ggml's C struct is 36.
TENSOR_TYPES = [t for t in GGML_QUANT_SIZES if t != QT.Q8_1]


def float_value(value, vtype):
    # What the file holds: float32 values are rounded to single precision.
    return float(np.float32(value)) if vtype == VT.FLOAT32 else value


def build(path: Path, version: int, alignment: int | None, big_endian: bool = False):
    gw.GGUF_VERSION = version
    endian = gguf.GGUFEndian.BIG if big_endian else gguf.GGUFEndian.LITTLE
    writer = GGUFWriter(str(path), "testarch", endianess=endian)
    expected_meta = [{"key": "general.architecture", "type": "string", "value": "testarch"}]
    if alignment is not None:
        writer.add_custom_alignment(alignment)
        expected_meta.append({"key": "general.alignment", "type": "uint32", "value": alignment})
    for key, value, vtype in SCALARS:
        writer.add_key_value(key, value, vtype)
        expected_meta.append({"key": key, "type": vtype.name.lower(), "value": float_value(value, vtype)})
    for key, values, vtype in ARRAYS:
        writer.add_key_value(key, values, VT.ARRAY, sub_type=vtype)
        expected_meta.append({"key": key, "type": "array", "element_type": vtype.name.lower(),
                              "value": [float_value(v, vtype) for v in values]})
    writer.add_key_value(NESTED[0], NESTED[1], VT.ARRAY)
    expected_meta.append({"key": NESTED[0], "type": "array", "element_type": "array", "value": NESTED[1]})

    rng = np.random.default_rng(1234 + version)
    expected_tensors = []
    for i, qtype in enumerate(TENSOR_TYPES):
        block, size = GGML_QUANT_SIZES[qtype]
        shape = [block * 2, 3]            # ggml order: row length first
        nbytes = 2 * size * 3
        data = rng.integers(0, 256, size=nbytes, dtype=np.uint8)
        # numpy shape is outermost first; the writer converts the byte shape to elements
        writer.add_tensor(f"t{i}.{qtype.name.lower()}", data.reshape(3, 2 * size), raw_dtype=qtype)
        expected_tensors.append({"name": f"t{i}.{qtype.name.lower()}", "type": qtype.name, "shape": shape,
                                 "bytes": nbytes, "data_hex": data.tobytes().hex()})
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return {"version": version, "alignment": alignment or 32, "metadata": expected_meta,
            "tensors": expected_tensors}


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    specs = {"all-types-v3": (3, None), "all-types-v2": (2, None), "align-64": (3, 64)}
    for name, (version, alignment) in specs.items():
        expected = build(out / f"{name}.gguf", version, alignment)
        (out / f"{name}.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    build(out / "big-endian.gguf", 3, None, big_endian=True)


if __name__ == "__main__":
    main()
