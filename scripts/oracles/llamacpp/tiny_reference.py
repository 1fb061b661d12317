"""llama.cpp's outputs for a tiny model, in the format of ../shared/reference/tiny/*.jsonl: per
prompt the token ids, the top-10 (token, logit, logprob) at every prompt position, a greedy
continuation decoded one token at a time, and llama.cpp's top-1 − top-2 margin at each greedy step.

Uses llama-cpp-python 0.3.36 (`pip install llama-cpp-python==0.3.36`, which builds the vendored
llama.cpp 0c1e570 from source; not part of CI):

    python3 tiny_reference.py MODEL.gguf PROMPTS.txt [N_GREEDY] > MODEL.jsonl
"""
import json, sys
import numpy as np
from llama_cpp import Llama


def top10(row):
    logprobs = row - (np.max(row) + np.log(np.sum(np.exp(row - np.max(row)))))
    order = np.argsort(-row, kind="stable")[:10]
    return [[int(t), round(float(row[t]), 5), round(float(logprobs[t]), 5)] for t in order]


def main():
    model, prompts_path = sys.argv[1], sys.argv[2]
    n_greedy = int(sys.argv[3]) if len(sys.argv) > 3 else 24
    prompts = open(prompts_path, encoding="utf-8").read().rstrip("\n").split("\n-----\n")
    llm = Llama(model_path=model, n_ctx=256, n_batch=256, n_ubatch=256, n_threads=2, logits_all=True,
                flash_attn=True, verbose=False)
    for prompt in prompts:
        tokens = llm.tokenize(prompt.encode(), add_bos=True, special=True)
        llm.reset()
        llm.eval(tokens)
        scores = np.array(llm.scores[: len(tokens)], dtype=np.float32)
        topk = [top10(scores[i]) for i in range(len(tokens))]
        greedy, margins = [], []
        row = scores[-1]
        for _ in range(n_greedy):
            order = np.argsort(-row, kind="stable")
            greedy.append(int(order[0]))
            margins.append(round(float(row[order[0]] - row[order[1]]), 5))
            llm.eval([int(order[0])])
            row = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        print(json.dumps({"prompt": prompt, "tokens": tokens, "topk": topk, "greedy": greedy,
                          "greedy_margins": margins}, separators=(",", ":")))


if __name__ == "__main__":
    main()
