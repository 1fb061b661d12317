import ArgumentParser
import Runtime

extension KVCache.Precision {
    /// The precision a `--kv` option names, or the error both `bench` and `serve` give.
    static func option(_ text: String) throws -> KVCache.Precision {
        guard let precision = KVCache.Precision(rawValue: text) else {
            throw ValidationError("--kv must be f16 or f32, not '\(text)'")
        }
        return precision
    }
}
