// Module Runtime: architectures, forward pass, KV cache, tokenizers, sampling, grammar and chat
// templates. See ARCHITECTURE.md for what lands here and in which folder.

/// This release of swiftllm (semantic versioning; CHANGELOG.md lists what each one changed).
public let swiftllmVersion = "0.2.0"
