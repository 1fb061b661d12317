#!/usr/bin/env python3
"""A small deterministic F32 llama-architecture GGUF for the quantizer tests.

    python3 scripts/oracles/make_quant_model.py OUT.gguf [--tied]

8 layers (so llama.cpp's "more bits" layer pattern varies), n_embd 256 (whole K-quant blocks),
FFN 384 (ffn_down's rows are not, so it falls back to a 32-block type), vocabulary 512 with
placeholder tokens. With --tied there is no output.weight. Same bytes on every run (numpy
default_rng, fixed seed).
"""
import sys
from typing import Callable, Optional

import numpy as np
from gguf import GGUFWriter

N_EMBD, N_LAYER, N_HEAD, N_KV, N_FF, N_VOCAB = 256, 8, 4, 2, 384, 512


def add_llama_blocks(w: GGUFWriter, n_layer: int, n_embd: int, kv_dim: int, n_ff: int,
                     linear: Callable[[int, int], np.ndarray],
                     after_v: Optional[Callable[[str], None]] = None) -> None:
    """The llama layout's per-layer tensors, in llama.cpp's order; `linear(rows, cols)` makes each
    matrix (so the caller's generator is drawn in this order), `after_v(prefix)` may add tensors
    (biases) after attn_v. Also used by scripts/testing/make_bench_model.py."""
    for i in range(n_layer):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        w.add_tensor(p + "attn_q.weight", linear(n_embd, n_embd))
        w.add_tensor(p + "attn_k.weight", linear(kv_dim, n_embd))
        w.add_tensor(p + "attn_v.weight", linear(kv_dim, n_embd))
        if after_v:
            after_v(p)
        w.add_tensor(p + "attn_output.weight", linear(n_embd, n_embd))
        w.add_tensor(p + "ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        w.add_tensor(p + "ffn_gate.weight", linear(n_ff, n_embd))
        w.add_tensor(p + "ffn_up.weight", linear(n_ff, n_embd))
        w.add_tensor(p + "ffn_down.weight", linear(n_embd, n_ff))


def main() -> None:
    out, tied = sys.argv[1], "--tied" in sys.argv[2:]
    rng = np.random.default_rng(77)
    w = GGUFWriter(out, "llama")
    w.add_block_count(N_LAYER)
    w.add_context_length(256)
    w.add_embedding_length(N_EMBD)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_KV)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_file_type(0)
    w.add_tokenizer_model("llama")
    w.add_token_list([f"<t{i}>".encode() for i in range(N_VOCAB)])
    w.add_token_scores([0.0] * N_VOCAB)
    w.add_token_types([1] * N_VOCAB)

    def linear(rows: int, cols: int) -> np.ndarray:
        m = rng.standard_normal((rows, cols)).astype(np.float32) / np.float32(np.sqrt(cols))
        m[rng.integers(0, rows, 3), rng.integers(0, cols, 3)] *= 20  # a few outliers
        return m

    head_dim = N_EMBD // N_HEAD
    w.add_tensor("token_embd.weight", linear(N_VOCAB, N_EMBD))
    w.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    if not tied:
        w.add_tensor("output.weight", linear(N_VOCAB, N_EMBD))
    add_llama_blocks(w, N_LAYER, N_EMBD, N_KV * head_dim, N_FF, linear)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
