#!/usr/bin/env python3
"""A random-weight F16 GGUF with the shape of a real small model, for speed measurements.

    python3 scripts/testing/make_bench_model.py SHAPE OUT.gguf

SHAPE is qwen2.5-0.5b, qwen2.5-1.5b or llama3.2-1b. The tokenizer (vocabulary, merges, special
ids) is copied from ../shared/vocab, so prompts tokenize as in the real model and the embedding
and output matrices have the real vocabulary's rows. Weights are N(0, 1/sqrt(fan in)), norms 1,
biases small; the numbers mean nothing, the shapes and types are what is measured.
"""
import sys
from pathlib import Path

import numpy as np
from gguf import GGUFReader, GGUFValueType, GGUFWriter

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts/oracles"))
from make_quant_model import add_llama_blocks  # noqa: E402
SHAPES = {
    # arch, vocab file, n_embd, layers, heads, kv heads, ffn, rope base, eps, qkv biases
    "qwen2.5-0.5b": ("qwen2", "qwen2", 896, 24, 14, 2, 4864, 1e6, 1e-6, True),
    "qwen2.5-1.5b": ("qwen2", "qwen2", 1536, 28, 12, 2, 8960, 1e6, 1e-6, True),
    "llama3.2-1b": ("llama", "llama-bpe", 2048, 16, 32, 8, 8192, 5e5, 1e-5, False),
}


def copy_tokenizer(vocab: GGUFReader, w: GGUFWriter) -> int:
    count = 0
    for key, field in vocab.fields.items():
        if not key.startswith("tokenizer."):
            continue
        value = field.contents()
        kind = field.types[0]
        if kind == GGUFValueType.ARRAY:
            w.add_array(key, value)
            if key == "tokenizer.ggml.tokens":
                count = len(value)
        elif kind == GGUFValueType.STRING:
            w.add_string(key, value)
        elif kind == GGUFValueType.UINT32:
            w.add_uint32(key, value)
        elif kind == GGUFValueType.BOOL:
            w.add_bool(key, value)
        else:
            raise SystemExit(f"unexpected tokenizer field {key}: {kind}")
    return count


def main() -> None:
    shape, out = sys.argv[1], sys.argv[2]
    arch, vocab_name, n_embd, n_layer, n_head, n_kv, n_ff, rope_base, eps, biases = SHAPES[shape]
    head_dim = n_embd // n_head
    rng = np.random.default_rng(1234)
    w = GGUFWriter(out, arch)
    w.add_name(f"random {shape}")
    w.add_block_count(n_layer)
    w.add_context_length(32768 if arch == "qwen2" else 131072)
    w.add_embedding_length(n_embd)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_kv)
    w.add_rope_freq_base(rope_base)
    w.add_layer_norm_rms_eps(eps)
    w.add_rope_dimension_count(head_dim)
    w.add_file_type(1)
    n_vocab = copy_tokenizer(GGUFReader(ROOT.parent / "shared/vocab" / f"ggml-vocab-{vocab_name}.gguf"), w)
    if arch == "llama":
        w.add_vocab_size(n_vocab)

    def linear(rows: int, cols: int) -> np.ndarray:
        m = rng.standard_normal((rows, cols), dtype=np.float32)
        m *= 1 / np.sqrt(cols)
        return m.astype(np.float16)

    def qkv_biases(p: str) -> None:
        w.add_tensor(p + "attn_q.bias", rng.normal(0, 0.1, n_embd).astype(np.float32))
        w.add_tensor(p + "attn_k.bias", rng.normal(0, 0.1, n_kv * head_dim).astype(np.float32))
        w.add_tensor(p + "attn_v.bias", rng.normal(0, 0.1, n_kv * head_dim).astype(np.float32))

    w.add_tensor("token_embd.weight", linear(n_vocab, n_embd))  # tied: also the output matrix
    w.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    add_llama_blocks(w, n_layer, n_embd, n_kv * head_dim, n_ff, linear, qkv_biases if biases else None)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
