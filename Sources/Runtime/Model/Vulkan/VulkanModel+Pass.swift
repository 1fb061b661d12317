import Tensor

extension VulkanModel {
    /// Runs `tokens` after what `cache` holds, `maxRows` at a time, and returns logits as
    /// `Model.forward` does; advances the cache.
    func forward(_ model: Model, tokens: [Int32], cache: KVCache, selection: LogitsSelection) throws(ModelError) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        let state: VulkanCacheState
        if let existing = cache.vulkan {
            state = existing
        } else {
            state = try VulkanCacheState(self, config: model.config, capacity: cache.capacity)
            cache.vulkan = state
        }
        let width = model.config.vocabularySize
        let everyRow = selection != .last
        var logits: [Float] = []
        var start = 0
        while start < tokens.count {
            let end = min(start + maxRows, tokens.count)
            let chunk = Array(tokens[start..<end])
            let firstRow = everyRow ? 0 : (end == tokens.count ? chunk.count - 1 : chunk.count)
            try pass(model, chunk, cache: cache, state: state, firstLogitRow: firstRow)
            if firstRow < chunk.count, let io = io.contents {
                let rows = UnsafeBufferPointer(start: io.assumingMemoryBound(to: Float.self) + layout.logits,
                                               count: (chunk.count - firstRow) * width)
                logits += rows
            }
            cache.count += chunk.count
            cache.tokens += chunk
            start = end
        }
        if case .rows(let rows) = selection {
            logits = rows.filter { $0 >= 0 && $0 < tokens.count }.flatMap { logits[$0 * width..<($0 + 1) * width] }
        }
        model.finishLogits(&logits)
        return logits
    }

    /// One command buffer over every layer for `tokens` (at most `maxRows`); the logits of rows
    /// `firstLogitRow…` land in io.
    private func pass(_ model: Model, _ tokens: [Int32], cache: KVCache, state: VulkanCacheState,
                      firstLogitRow p0: Int) throws(ModelError) {
        let c = model.config, T = tokens.count, d = c.embeddingLength
        guard let ioRaw = io.contents else { throw .backend("the io buffer is not mapped") }
        let io = ioRaw.assumingMemoryBound(to: Float.self)
        try model.embed(tokens, into: io)
        let first = cache.count
        var frequencies = [Float](repeating: 0, count: max(1, (ropeGroups.map(\.dims).max() ?? 0) / 2))
        for group in ropeGroups where group.dims > 0 {
            frequencies.withUnsafeMutableBufferPointer { f in
                guard let base = f.baseAddress else { return }
                let magnitude = model.ropeFrequencies(c.layers[group.layer], into: base)
                let pairs = group.dims / 2
                for t in 0..<T {
                    let row = io + group.offset + t * group.dims
                    model.ropeAngles(position: first + t, frequencies: base, pairs: pairs, magnitude: magnitude,
                                     cosines: row, sines: row + pairs)
                }
            }
        }
        if let temperature = c.attentionTemperature {
            for t in 0..<T { io[layout.factors + t] = temperature.factor(position: first + t) }
        }
        let L = layout, eps = c.rmsEpsilon.bitPattern
        do {
            try device.execute { r throws(VulkanError) in
                r.copy(self.io, 0, to: self.arena, L.x * 4, bytes: T * d * 4)
                r.barrier()
                for index in layers.indices {
                    try recordLayer(r, index, model: model, rows: T, first: first, state: state)
                }
                try self.norm(r, x: L.x + p0 * d, rows: T - p0, n: d, out: L.h, weight: outputNorm, eps: eps)
                r.barrier()
                try output.record(r, tokens: T - p0, x: L.h, xStride: d, y: L.logits, yStride: c.vocabularySize)
                r.barrierForHost()
            }
        } catch {
            throw .backend(error.description)
        }
    }

    /// Layer `index` over the pass's rows: attention, then the feed-forward block, each added to x.
    private func recordLayer(_ r: VulkanRecorder, _ index: Int, model: Model, rows T: Int, first: Int,
                             state: VulkanCacheState) throws(VulkanError) {
        let c = model.config, lc = c.layers[index], w = layers[index], L = layout, d = c.embeddingLength
        let eps = c.rmsEpsilon.bitPattern
        let qDim = lc.qDim, kvDim = lc.kvDim, vDim = lc.vDim, hd = lc.headDim
        let attnWidth = lc.headCount * lc.valueDim, ff = lc.feedForwardLength

        try norm(r, x: L.x, rows: T, n: d, out: L.h, weight: w.attnNorm, eps: eps)
        r.barrier()
        try w.q.record(r, tokens: T, x: L.h, xStride: d, y: L.q, yStride: qDim)
        try w.k.record(r, tokens: T, x: L.h, xStride: d, y: L.k, yStride: kvDim)
        try w.v.record(r, tokens: T, x: L.h, xStride: d, y: L.v, yStride: vDim)
        r.barrier()
        if w.qBias != nil || w.kBias != nil || w.vBias != nil {
            try bias(r, w.qBias, at: L.q, width: qDim, rows: T)
            try bias(r, w.kBias, at: L.k, width: kvDim, rows: T)
            try bias(r, w.vBias, at: L.v, width: vDim, rows: T)
            r.barrier()
        }
        if w.qNorm != nil || w.kNorm != nil {
            if let qNorm = w.qNorm { try norm(r, x: L.q, rows: T * lc.headCount, n: hd, out: L.q, weight: qNorm, eps: eps) }
            if let kNorm = w.kNorm { try norm(r, x: L.k, rows: T * lc.kvHeadCount, n: hd, out: L.k, weight: kNorm, eps: eps) }
            r.barrier()
        }
        let dims = lc.ropeDimensions
        if dims > 0 {
            let style: UInt32 = c.spec.ropeStyle == .neox ? 1 : 0
            for (x, heads, stride) in [(L.q, lc.headCount, qDim), (L.k, lc.kvHeadCount, kvDim)] {
                let push = [UInt32(heads), UInt32(hd), UInt32(dims), UInt32(T), UInt32(x), UInt32(stride), UInt32(ropeTables[index]), style]
                try r.dispatch(rope, push: push, groups: ((heads * dims / 2 + 63) / 64, T, 1))
            }
            r.barrier()
        }
        if c.attentionTemperature != nil {
            try r.dispatch(scaleRows, push: [qDim, T, L.q, qDim, L.factors].map { UInt32($0) }, groups: ((qDim + 255) / 256, T, 1))
            r.barrier()
        }
        let cache = state.layers[index]
        try r.dispatch(cache.store, push: [kvDim / 2, T, L.k, kvDim, first * kvDim / 2, kvDim / 2].map { UInt32($0) },
                       groups: ((kvDim / 2 + 63) / 64, T, 1))
        try r.dispatch(cache.store, push: [vDim / 2, T, L.v, vDim, cache.values + first * vDim / 2, vDim / 2].map { UInt32($0) },
                       groups: ((vDim / 2 + 63) / 64, T, 1))
        r.barrier()
        let scale = c.attentionScale(layer: index).bitPattern
        let attend = [hd, lc.valueDim, lc.headCount, lc.kvHeadCount, T, first, lc.slidingWindow ?? 0].map { UInt32($0) } + [scale]
            + [L.q, qDim, L.attn, attnWidth, 0, kvDim / 2, cache.values, vDim / 2].map { UInt32($0) }
        try r.dispatch(cache.attend, push: attend, groups: (lc.headCount, T, 1))
        r.barrier()
        try w.o.record(r, tokens: T, x: L.attn, xStride: attnWidth, y: L.h, yStride: d)
        r.barrier()
        try residual(r, rows: T, bias: w.oBias, postNorm: w.postAttnNorm, eps: eps, d: d)

        try norm(r, x: L.x, rows: T, n: d, out: L.h, weight: w.ffnNorm, eps: eps)
        r.barrier()
        let gateStride: Int, upOffset: Int, upStride: Int
        if let gate = w.gate {
            try gate.record(r, tokens: T, x: L.h, xStride: d, y: L.gate, yStride: ff)
            try w.up.record(r, tokens: T, x: L.h, xStride: d, y: L.up, yStride: ff)
            (gateStride, upOffset, upStride) = (ff, L.up, ff)
        } else {
            // One fused matrix: each row of its output is [gate | up].
            try w.up.record(r, tokens: T, x: L.h, xStride: d, y: L.gate, yStride: 2 * ff)
            (gateStride, upOffset, upStride) = (2 * ff, L.gate + ff, 2 * ff)
        }
        r.barrier()
        if w.gateBias != nil || w.upBias != nil {
            try bias(r, w.gateBias, at: L.gate, width: ff, rows: T)
            try bias(r, w.upBias, at: L.up, width: ff, rows: T)
            r.barrier()
        }
        let kind: Int = c.spec.activation == .silu ? 0 : 1
        try r.dispatch(glu, push: [ff, T, L.gate, gateStride, upOffset, upStride, L.up, ff, kind].map { UInt32($0) },
                       groups: ((ff + 255) / 256, T, 1))
        r.barrier()
        try w.down.record(r, tokens: T, x: L.up, xStride: ff, y: L.h, yStride: d)
        r.barrier()
        try residual(r, rows: T, bias: w.downBias, postNorm: w.postFFNNorm, eps: eps, d: d)
    }

    /// x += postNorm(h + bias) over the pass's rows (the block output in h).
    private func residual(_ r: VulkanRecorder, rows T: Int, bias: Int?, postNorm: Int?, eps: UInt32, d: Int) throws(VulkanError) {
        let L = layout
        if bias != nil {
            try self.bias(r, bias, at: L.h, width: d, rows: T)
            r.barrier()
        }
        if let postNorm {
            try norm(r, x: L.h, rows: T, n: d, out: L.h, weight: postNorm, eps: eps)
            r.barrier()
        }
        try r.dispatch(add, push: [T * d, L.x, L.h, L.x, T * d, 0].map { UInt32($0) }, groups: VulkanKernel.spread(T * d, size: 256))
        r.barrier()
    }

    private func norm(_ r: VulkanRecorder, x: Int, rows: Int, n: Int, out: Int, weight: Int, eps: UInt32) throws(VulkanError) {
        try r.dispatch(norm, push: [n, rows, x, n, out, n, weight].map { UInt32($0) } + [eps], groups: (rows, 1, 1))
    }

    private func bias(_ r: VulkanRecorder, _ offset: Int?, at x: Int, width: Int, rows: Int) throws(VulkanError) {
        guard let offset else { return }
        try r.dispatch(add, push: [rows * width, x, offset, x, width, 1].map { UInt32($0) },
                       groups: VulkanKernel.spread(rows * width, size: 256))
    }
}
