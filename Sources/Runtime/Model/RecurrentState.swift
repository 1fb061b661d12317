/// The per-sequence state of recurrent layers, kept next to the KV cache: for each short
/// convolution its last `taps − 1` input rows, for each gated delta-net its convolution history
/// and one `valueHeadSize × stateSize` matrix per value head. All F32 and contiguous, so a
/// checkpoint is one copy.
///
/// A recurrent state cannot drop its last tokens the way a KV cache does, so the cache keeps a
/// few checkpoints (the state before and after each multi-token pass: prompt boundaries) and
/// going back restores the latest one at or before the target.
final class RecurrentState: @unchecked Sendable {
    // Owned by one KVCache, which is used by one task at a time.
    private let storage: FloatStorage
    /// Offset of each layer's history and state in `storage` (-1 for layers without).
    private let historyOffset: [Int]
    private let stateOffset: [Int]
    private var checkpoints: [(position: Int, values: [Float])] = []
    static let maxCheckpoints = 4

    init?(config c: ModelConfig) {
        var history: [Int] = [], state: [Int] = []
        var total = 0
        for layer in c.layers {
            switch layer.mixer {
            case .attention:
                history.append(-1); state.append(-1)
            case .shortConvolution:
                history.append(total); state.append(-1)
                total += max((c.shortConvolutionLength ?? 1) - 1, 0) * c.embeddingLength
            case .gatedDeltaNet:
                guard let n = c.deltaNet else { return nil }
                history.append(total)
                total += max(n.convolutionKernel - 1, 0) * n.channels
                state.append(total)
                total += n.valueHeads * n.valueHeadSize * n.stateSize
            }
        }
        guard history.contains(where: { $0 >= 0 }) else { return nil }
        storage = FloatStorage(count: total)
        historyOffset = history
        stateOffset = state
    }

    var byteCount: Int { storage.count * 4 * (1 + checkpoints.count) }

    /// Layer `layer`'s convolution history: oldest row first.
    func history(_ layer: Int) -> UnsafeMutablePointer<Float> { storage.pointer + max(historyOffset[layer], 0) }

    /// Layer `layer`'s delta-net state matrices.
    func state(_ layer: Int) -> UnsafeMutablePointer<Float> { storage.pointer + max(stateOffset[layer], 0) }

    /// Remembers the state as it is after `position` tokens.
    func checkpoint(at position: Int) {
        guard position > 0 else { return }
        checkpoints.removeAll { $0.position >= position }
        checkpoints.append((position, Array(UnsafeBufferPointer(start: storage.pointer, count: storage.count))))
        if checkpoints.count > Self.maxCheckpoints { checkpoints.removeFirst() }
    }

    /// Zeroes the state (a new sequence).
    func reset() {
        storage.pointer.update(repeating: 0, count: storage.count)
        checkpoints.removeAll()
    }

    /// Goes back to the latest checkpoint at or before `target` tokens (the start when there is
    /// none) and returns its position.
    func restore(atMost target: Int) -> Int {
        checkpoints.removeAll { $0.position > target }
        guard let last = checkpoints.last else {
            reset()
            return 0
        }
        last.values.withUnsafeBufferPointer { saved in
            if let base = saved.baseAddress { storage.pointer.update(from: base, count: min(saved.count, storage.count)) }
        }
        return last.position
    }
}
