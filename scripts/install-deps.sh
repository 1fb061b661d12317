#!/usr/bin/env bash
# Install what a fresh Debian machine (as root) lacks to build and test swiftllm.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
for p in libopenblas-dev libvulkan-dev glslc mesa-vulkan-drivers pkg-config; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check gguf numpy jsonschema jinja2 regex mcp-server-time mcp-server-git openai
