#!/usr/bin/env python3
"""Each tensor's type and the sha256 of its data, and the file type fields, as JSON (read with
the `gguf` package).

    python3 scripts/oracles/gguf_tensor_hashes.py FILE.gguf
"""
import hashlib
import json
import sys

import numpy as np
from gguf import GGUFReader


def describe(path: str) -> dict:
    reader = GGUFReader(path)
    tensors = {}
    for t in reader.tensors:
        data = np.asarray(t.data).view(np.uint8).tobytes()
        tensors[t.name] = [t.tensor_type.name, hashlib.sha256(data).hexdigest()]
    fields = {k: int(reader.fields[k].contents()) for k in ("general.file_type", "general.quantization_version")
              if k in reader.fields}
    return {"tensors": tensors, **fields}


if __name__ == "__main__":
    print(json.dumps(describe(sys.argv[1]), sort_keys=True))
