#!/usr/bin/env python3
"""Dump a GGUF file's header, metadata and tensor table as JSON, read by the Python `gguf`
package's GGUFReader (the independent oracle for our reader).

Usage: gguf_dump.py FILE > dump.json
"""
import json
import sys

from gguf import GGUFReader, GGUFValueType as VT


def field_value(field):
    main = field.types[0]
    if main == VT.ARRAY:
        sub = field.types[-1]
        if len(field.types) > 2:
            return None  # nested arrays: GGUFReader.contents() does not decode them
        if sub == VT.STRING:
            return [bytes(field.parts[i]).decode("utf-8", errors="replace") for i in field.data]
        return [v.item() if hasattr(v, "item") else v for v in (field.parts[i][0] for i in field.data)]
    if main == VT.STRING:
        return bytes(field.parts[field.data[0]]).decode("utf-8", errors="replace")
    value = field.parts[field.data[0]][0]
    return bool(value) if main == VT.BOOL else value.item()


def main():
    reader = GGUFReader(sys.argv[1])
    metadata = []
    for field in reader.fields.values():
        if field.name.startswith("GGUF."):
            continue
        entry = {"key": field.name, "type": field.types[0].name.lower(), "value": field_value(field)}
        if field.types[0] == VT.ARRAY:
            entry["element_type"] = field.types[1].name.lower()
        metadata.append(entry)
    tensors = [{"name": t.name, "type": t.tensor_type.name, "shape": [int(d) for d in t.shape],
                "offset": int(t.data_offset), "bytes": int(t.n_bytes)} for t in reader.tensors]
    json.dump({"alignment": int(reader.alignment), "data_offset": int(reader.data_offset),
               "metadata": metadata, "tensors": tensors}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
