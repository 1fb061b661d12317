// Teacher-forced logits from llama.cpp: the prompt in batches of NB tokens (environment, default
// 512; NUB is the ubatch), logits at every position, then each continuation token decoded alone,
// as greedy generation runs. FA is 1 for flash attention on, 0 for off.
// Output: float32 logits, one row per position, to OUT.
#include "llama.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: dump MODEL FA THREADS OUT PROMPT_IDS [| CONT_IDS]\n"); return 1; }
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    struct llama_model *m = llama_model_load_from_file(argv[1], mp);
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = getenv("NCTX") ? atoi(getenv("NCTX")) : 2048; cp.n_batch = getenv("NB") ? atoi(getenv("NB")) : 512; cp.n_ubatch = getenv("NUB") ? atoi(getenv("NUB")) : 512;
    cp.n_threads = cp.n_threads_batch = atoi(argv[3]);
    cp.flash_attn_type = atoi(argv[2]) ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    struct llama_context *c = llama_init_from_model(m, cp);
    int nv = llama_vocab_n_tokens(llama_model_get_vocab(m));
    int prompt[4096], cont[4096], np = 0, nc = 0, incont = 0;
    for (int i = 5; i < argc; i++) {
        if (!strcmp(argv[i], "|")) { incont = 1; continue; }
        if (incont) cont[nc++] = atoi(argv[i]); else prompt[np++] = atoi(argv[i]);
    }
    FILE *f = fopen(argv[4], "wb");
    struct llama_batch b = llama_batch_init(4096, 0, 1);
    for (int s = 0; s < np; s += cp.n_batch) {
        int n = np - s < (int)cp.n_batch ? np - s : (int)cp.n_batch;
        b.n_tokens = n;
        for (int i = 0; i < n; i++) { b.token[i] = prompt[s + i]; b.pos[i] = s + i; b.n_seq_id[i] = 1; b.seq_id[i][0] = 0; b.logits[i] = 1; }
        if (llama_decode(c, b)) { fprintf(stderr, "decode failed\n"); return 1; }
        for (int i = 0; i < n; i++) fwrite(llama_get_logits_ith(c, i), 4, nv, f);
    }
    for (int j = 0; j + 1 < nc; j++) {
        b.n_tokens = 1; b.token[0] = cont[j]; b.pos[0] = np + j; b.n_seq_id[0] = 1; b.seq_id[0][0] = 0; b.logits[0] = 1;
        if (llama_decode(c, b)) { fprintf(stderr, "decode failed\n"); return 1; }
        fwrite(llama_get_logits_ith(c, 0), 4, nv, f);
    }
    fclose(f);
    fprintf(stderr, "wrote %d rows of %d\n", np + (nc > 0 ? nc - 1 : 0), nv);
    return 0;
}
