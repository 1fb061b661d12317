import Tensor

extension VulkanModel {
    /// A run of one sequence's tokens inside a pass: rows `row ..< row + tokens.count` of the
    /// pass, appended at position `first` of its cache.
    struct Piece {
        let segment: Int
        let tokens: ArraySlice<Int32>
        let cache: KVCache
        let state: VulkanCacheState
        let row: Int
        var first: Int { cache.count }
    }

    /// Runs `segments` (each appending its tokens to its own cache) in passes of at most
    /// `maxRows` rows, several sequences per pass, and returns logits as `Model.forward` does:
    /// the last row of each segment for `.last`, every row in order otherwise (`.rows` picks from
    /// a one-segment pass). Advances the caches. `tiled` lets passes of more than 8 rows use the
    /// tiled products; without it (decode steps) every row is computed as it would be alone.
    func forward(_ model: Model, segments: [ForwardSegment], selection: LogitsSelection, tiled: Bool) throws(ModelError) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        var states: [VulkanCacheState] = []
        for segment in segments {
            if let existing = segment.cache.vulkan {
                states.append(existing)
            } else {
                let made = try VulkanCacheState(self, config: model.config, capacity: segment.cache.capacity)
                segment.cache.vulkan = made
                states.append(made)
            }
        }
        let width = model.config.vocabularySize
        let everyRow = selection != .last
        // Logits per segment, then joined in order.
        var perSegment = [[Float]](repeating: [], count: segments.count)
        var index = 0, offset = 0   // the next segment and its next token
        while index < segments.count {
            var pieces: [Piece] = []
            var rows = 0
            while rows < maxRows && index < segments.count {
                let tokens = segments[index].tokens
                let count = min(maxRows - rows, tokens.count - offset)
                pieces.append(Piece(segment: index, tokens: tokens[offset..<(offset + count)], cache: segments[index].cache,
                                    state: states[index], row: rows))
                rows += count
                offset += count
                if offset == tokens.count {
                    index += 1
                    offset = 0
                }
            }
            // The rows whose logits are wanted: every row, or the last row of each segment.
            var picked: [Int] = []
            for piece in pieces {
                let last = piece.tokens.endIndex == segments[piece.segment].tokens.count
                for i in 0..<piece.tokens.count where everyRow || (last && i == piece.tokens.count - 1) {
                    picked.append(piece.row + i)
                }
            }
            try pass(model, pieces, rows: rows, picked: picked, tiled: tiled)
            if !picked.isEmpty, let io = io.contents {
                let base = io.assumingMemoryBound(to: Float.self) + layout.logits
                var next = 0
                for piece in pieces {
                    while next < picked.count && picked[next] < piece.row + piece.tokens.count {
                        perSegment[piece.segment] += UnsafeBufferPointer(start: base + next * width, count: width)
                        next += 1
                    }
                }
            }
            for piece in pieces {
                piece.cache.count += piece.tokens.count
                piece.cache.tokens += piece.tokens
            }
        }
        var logits = Array(perSegment.joined())
        if case .rows(let rows) = selection {
            let count = segments.first?.tokens.count ?? 0
            logits = rows.filter { $0 >= 0 && $0 < count }.flatMap { logits[$0 * width..<($0 + 1) * width] }
        }
        model.finishLogits(&logits)
        return logits
    }

    /// One command buffer over every layer for the pieces' `rows` rows (at most `maxRows`); the
    /// logits of the `picked` rows land in io, in order.
    private func pass(_ model: Model, _ pieces: [Piece], rows T: Int, picked: [Int], tiled: Bool) throws(ModelError) {
        let c = model.config, d = c.embeddingLength
        guard let ioRaw = io.contents else { throw .backend("the io buffer is not mapped") }
        let io = ioRaw.assumingMemoryBound(to: Float.self)
        try model.embed(pieces.flatMap(\.tokens), into: io)
        // Each row's position in its own sequence.
        let positions = pieces.flatMap { piece in (0..<piece.tokens.count).map { piece.first + $0 } }
        var frequencies = [Float](repeating: 0, count: max(1, (ropeGroups.map(\.dims).max() ?? 0) / 2))
        for group in ropeGroups where group.dims > 0 {
            frequencies.withUnsafeMutableBufferPointer { f in
                guard let base = f.baseAddress else { return }
                let magnitude = model.ropeFrequencies(c.layers[group.layer], into: base)
                let pairs = group.dims / 2
                for (t, position) in positions.enumerated() {
                    let row = io + group.offset + t * group.dims
                    model.ropeAngles(position: position, frequencies: base, pairs: pairs, magnitude: magnitude,
                                     cosines: row, sines: row + pairs)
                }
            }
        }
        if let temperature = c.attentionTemperature {
            for (t, position) in positions.enumerated() { io[layout.factors + t] = temperature.factor(position: position) }
        }
        let L = layout, eps = c.rmsEpsilon.bitPattern
        do {
            try device.execute { r throws(VulkanError) in
                r.copy(self.io, 0, to: self.arena, L.x * 4, bytes: T * d * 4)
                r.barrier()
                for index in layers.indices {
                    try recordLayer(r, index, model: model, rows: T, pieces: pieces, tiled: tiled)
                }
                // The picked rows, normed into h side by side (a contiguous run in one dispatch).
                var i = 0
                while i < picked.count {
                    var run = 1
                    while i + run < picked.count && picked[i + run] == picked[i] + run { run += 1 }
                    try self.norm(r, x: L.x + picked[i] * d, rows: run, n: d, out: L.h + i * d, weight: outputNorm, eps: eps)
                    i += run
                }
                r.barrier()
                try output.record(r, tokens: picked.count, x: L.h, xStride: d, y: L.logits, yStride: c.vocabularySize, tiled: tiled)
                r.barrierForHost()
            }
        } catch {
            throw .backend(error.description)
        }
    }

    /// Layer `index` over the pass's rows: attention, then the feed-forward block, each added to x.
    private func recordLayer(_ r: VulkanRecorder, _ index: Int, model: Model, rows T: Int, pieces: [Piece],
                             tiled: Bool) throws(VulkanError) {
        let c = model.config, lc = c.layers[index], w = layers[index], L = layout, d = c.embeddingLength
        let eps = c.rmsEpsilon.bitPattern
        let qDim = lc.qDim, kvDim = lc.kvDim, vDim = lc.vDim, hd = lc.headDim
        let attnWidth = lc.headCount * lc.valueDim, ff = lc.feedForwardLength

        try norm(r, x: L.x, rows: T, n: d, out: L.h, weight: w.attnNorm, eps: eps)
        r.barrier()
        try w.q.record(r, tokens: T, x: L.h, xStride: d, y: L.q, yStride: qDim, tiled: tiled)
        try w.k.record(r, tokens: T, x: L.h, xStride: d, y: L.k, yStride: kvDim, tiled: tiled)
        try w.v.record(r, tokens: T, x: L.h, xStride: d, y: L.v, yStride: vDim, tiled: tiled)
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
        // Each sequence's K and V rows into its own cache, then its rows attend over it.
        for piece in pieces {
            let cache = piece.state.layers[index], n = piece.tokens.count, first = piece.first, row = piece.row
            try r.dispatch(cache.store, push: [kvDim / 2, n, L.k + row * kvDim, kvDim, first * kvDim / 2, kvDim / 2].map { UInt32($0) },
                           groups: ((kvDim / 2 + 63) / 64, n, 1))
            try r.dispatch(cache.store, push: [vDim / 2, n, L.v + row * vDim, vDim, cache.values + first * vDim / 2, vDim / 2].map { UInt32($0) },
                           groups: ((vDim / 2 + 63) / 64, n, 1))
        }
        r.barrier()
        let scale = c.attentionScale(layer: index).bitPattern
        for piece in pieces {
            let cache = piece.state.layers[index], n = piece.tokens.count, row = piece.row
            let attend = [hd, lc.valueDim, lc.headCount, lc.kvHeadCount, n, piece.first, lc.slidingWindow ?? 0].map { UInt32($0) } + [scale]
                + [L.q + row * qDim, qDim, L.attn + row * attnWidth, attnWidth, 0, kvDim / 2, cache.values, vDim / 2].map { UInt32($0) }
            try r.dispatch(cache.attend, push: attend, groups: (lc.headCount, n, 1))
        }
        r.barrier()
        try w.o.record(r, tokens: T, x: L.attn, xStride: attnWidth, y: L.h, yStride: d, tiled: tiled)
        r.barrier()
        try residual(r, rows: T, bias: w.oBias, postNorm: w.postAttnNorm, eps: eps, d: d)

        try norm(r, x: L.x, rows: T, n: d, out: L.h, weight: w.ffnNorm, eps: eps)
        r.barrier()
        let gateStride: Int, upOffset: Int, upStride: Int
        if let gate = w.gate {
            try gate.record(r, tokens: T, x: L.h, xStride: d, y: L.gate, yStride: ff, tiled: tiled)
            try w.up.record(r, tokens: T, x: L.h, xStride: d, y: L.up, yStride: ff, tiled: tiled)
            (gateStride, upOffset, upStride) = (ff, L.up, ff)
        } else {
            // One fused matrix: each row of its output is [gate | up].
            try w.up.record(r, tokens: T, x: L.h, xStride: d, y: L.gate, yStride: 2 * ff, tiled: tiled)
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
        try w.down.record(r, tokens: T, x: L.up, xStride: ff, y: L.h, yStride: d, tiled: tiled)
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
