"""Writes tiny random-weight llama models with the optional tensors llama.cpp's llama loader
accepts (issue 23): attention-output and FFN biases, Llama 3 RoPE frequency factors, and a fused
attn_qkv with its fused bias. Reuses ../shared/reference/tiny/make_tiny_models.py (vocabulary,
weight scales, metadata), so the files differ from tiny-llama-f32 only by these tensors.

    python3 make_tiny_bias_models.py OUT_DIR     # writes tiny-llama-bias-f32.gguf, tiny-llama-qkv-f32.gguf
"""
import os, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "shared", "reference", "tiny"))
import make_tiny_models as tiny  # noqa: E402


def bias_model():
    """llama + q/k/v, attn_output, ffn_gate/up/down biases and rope_freqs."""
    arch, cfg, pre, add_bos = tiny.MODELS["llama"]
    cfg = dict(cfg, qkv_bias=True)
    weights = tiny.make_weights("llama-bias", cfg)
    r = tiny.Init("llama-bias-extra")
    d, ff = cfg["n_embd"], cfg["n_ff"]
    for i in range(cfg["n_layer"]):
        p = f"blk.{i}."
        weights[p + "attn_output.bias"] = r.normal(d, 0.5)
        weights[p + "ffn_gate.bias"] = r.normal(ff, 0.5)
        weights[p + "ffn_up.bias"] = r.normal(ff, 0.5)
        weights[p + "ffn_down.bias"] = r.normal(d, 0.5)
    # Llama 3 style: high-frequency pairs unscaled, low-frequency pairs divided by up to 8.
    half = cfg["head_dim"] // 2
    weights["rope_freqs.weight"] = np.concatenate(
        [np.ones(half // 2), np.linspace(1.5, 8.0, half - half // 2)]).astype(np.float32)
    return arch, cfg, pre, add_bos, weights


def fused_qkv_model():
    """llama with one attn_qkv ([Q; K; V] rows) and one attn_qkv.bias per layer."""
    arch, cfg, pre, add_bos = tiny.MODELS["llama"]
    cfg = dict(cfg, qkv_bias=True)
    weights = tiny.make_weights("llama-qkv", cfg)
    fused = {}
    for name, t in weights.items():
        if name.endswith("attn_q.weight") or name.endswith("attn_q.bias"):
            p, kind = name.split("attn_q.")[0], name.rsplit(".", 1)[1]
            parts = [weights[f"{p}attn_{x}.{kind}"] for x in "qkv"]
            fused[f"{p}attn_qkv.{kind}"] = np.concatenate(parts, axis=0)
        elif "attn_k." in name or "attn_v." in name:
            continue
        else:
            fused[name] = t
    return arch, cfg, pre, add_bos, fused


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    vocab = tiny.build_vocab()
    for key, make in [("llama-bias", bias_model), ("llama-qkv", fused_qkv_model)]:
        arch, cfg, pre, add_bos, weights = make()
        tiny.DISPLAY[key] = {"llama-bias": "Llama biases", "llama-qkv": "Llama fused QKV"}[key]
        tiny.write_model(f"{out}/tiny-{key}-f32.gguf", key, arch, cfg, weights, tiny.QT.F32, tiny.FT.ALL_F32,
                         pre, add_bos, vocab)


if __name__ == "__main__":
    main()
