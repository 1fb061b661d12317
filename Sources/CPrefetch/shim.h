// A software prefetch for the matvec kernels: Swift has no prefetch intrinsic that survives
// optimisation (`_m_prefetch` is imported but compiled away), so this header gives LLVM's
// `__builtin_prefetch` a name Swift can call.
static inline void swiftllm_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
