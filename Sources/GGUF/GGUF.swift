// Module GGUF: reading and writing GGUF v2/v3 files.
