#!/usr/bin/env python3
"""llama-quantize's choices and bytes for each mix, for `QuantizeCommandTests`.

    python3 scripts/oracles/llamacpp/quantize_reference.py LLAMA_CPP_DIR Tests/Reference/quantize-mixes.json

Makes the two models of scripts/oracles/make_quant_model.py (untied and --tied), runs
LLAMA_CPP_DIR/build/bin/llama-quantize on each for every mix, and records each output tensor's
type and the sha256 of its data (gguf_tensor_hashes.py), and the file type fields.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path


MIXES = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "F16"]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from gguf_tensor_hashes import describe  # noqa: E402


def main() -> None:
    quantize = Path(sys.argv[1]) / "build/bin/llama-quantize"
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for variant in ("untied", "tied"):
            source = Path(tmp) / f"{variant}.gguf"
            args = ["--tied"] if variant == "tied" else []
            subprocess.run([sys.executable, str(HERE.parent / "make_quant_model.py"), str(source), *args], check=True)
            for mix in MIXES:
                out = Path(tmp) / f"{variant}-{mix}.gguf"
                subprocess.run([str(quantize), str(source), str(out), mix, "1"], check=True, capture_output=True)
                result[f"{variant}/{mix}"] = describe(str(out))
                print(variant, mix, sorted({v[0] for v in result[f"{variant}/{mix}"]["tensors"].values()}))
    Path(sys.argv[2]).write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
