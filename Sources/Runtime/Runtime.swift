// Module Runtime: architectures, forward pass, KV cache, tokenizers, sampling, grammar and chat
// templates. See ARCHITECTURE.md for what lands here and in which folder.
