/// One weight matrix of a `MatMul.matvecs` call: `rows × cols` of `type`, row-major, result into `y`.
public struct MatvecItem {
    /// The weights (usually inside the mmap'd GGUF file).
    public let weights: UnsafeRawPointer
    /// Their element type.
    public let type: GGMLType
    /// Output rows (= weight rows).
    public let rows: Int
    /// Receives `rows` floats.
    public let y: UnsafeMutablePointer<Float>

    /// Describes one matrix of a batch.
    public init(weights: UnsafeRawPointer, type: GGMLType, rows: Int, y: UnsafeMutablePointer<Float>) {
        self.weights = weights
        self.type = type
        self.rows = rows
        self.y = y
    }
}

extension MatMul {
    /// Several matrix-vector products with the same input `x` (`cols` floats), e.g. the Q, K and V
    /// projections, or FFN gate and up: `x` is quantized once per activation format and all rows
    /// of all matrices are shared out among the pool's workers in a single dispatch.
    ///
    /// ```swift
    /// try MatMul.matvecs([MatvecItem(weights: wq, type: .q4_K, rows: 1024, y: q),
    ///                     MatvecItem(weights: wk, type: .q4_K, rows: 256, y: k)],
    ///                    cols: 640, x: h, pool: pool)
    /// ```
    public static func matvecs(
        _ items: [MatvecItem], cols: Int, x: UnsafePointer<Float>, pool: ThreadPool
    ) throws(KernelError) {
        let plan = try ItemsPlan(items, cols: cols, tokens: 1)
        guard plan.totalRows > 0 else { return }
        try withUnsafeTemporaryAllocation(byteCount: max(plan.bytes, 64), alignment: 64) { buffer throws(KernelError) in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            for (i, owner) in plan.owners.enumerated() {
                try KernelTable.quantizeActivations(x, cols: cols, for: owner, into: base + plan.offsets[i])
            }
            let chunk = MatMul.rowChunk(rows: plan.totalRows, rowBytes: plan.rowBytes.max() ?? 1, threads: pool.threadCount)
            pool.forEachChunk(plan.totalRows, chunk: chunk) { band in
                ItemsPlan.forEachPart(of: band, items) { i, start, count in
                    plan.traits[i].dotRows(items[i].weights + start * plan.rowBytes[i], rowBytes: plan.rowBytes[i], count: count,
                                           plan.activation(i, base), n: cols, into: items[i].y + start)
                }
            }
        }
    }
}

/// What `matvecs` and `matmuls` work out from their items before computing: each item's kernel
/// traits and row bytes, the activation formats they need (the first item's traits for each, in
/// order of appearance), and the buffer layout — `tokens` activation rows per format,
/// `activationRowBytes` apart, each format's rows from a 64-byte boundary.
struct ItemsPlan {
    let traits: [TypeTraits]
    let rowBytes: [Int]
    let owners: [TypeTraits]
    /// Per item, the index of its activation format in `owners`.
    let owner: [Int]
    /// Per format, the bytes between its activation rows, and where its rows start.
    let strides: [Int]
    let offsets: [Int]
    /// Bytes of the activation buffer.
    let bytes: Int
    /// Rows of all items together.
    let totalRows: Int

    init(_ items: [MatvecItem], cols: Int, tokens: Int) throws(KernelError) {
        var traits: [TypeTraits] = [], rowBytes: [Int] = [], owners: [TypeTraits] = [], owner: [Int] = []
        for item in items {
            let t = try KernelTable.traits(for: item.type)
            guard let bytes = item.type.rowBytes(elements: cols) else { throw .notWholeBlocks(item.type, count: cols) }
            traits.append(t)
            rowBytes.append(bytes)
            if let index = owners.firstIndex(where: { $0.activationType == t.activationType }) {
                owner.append(index)
            } else {
                owner.append(owners.count)
                owners.append(t)
            }
        }
        let strides = owners.map { $0.activationRowBytes(cols: cols) }
        var offsets: [Int] = []
        var total = 0
        for stride in strides {
            offsets.append(total)
            total += (stride * tokens + 63) / 64 * 64
        }
        (self.traits, self.rowBytes, self.owners, self.owner) = (traits, rowBytes, owners, owner)
        (self.strides, self.offsets, bytes) = (strides, offsets, total)
        totalRows = items.reduce(0) { $0 + $1.rows }
    }

    /// Item `i`'s first activation row in the buffer at `base`.
    func activation(_ i: Int, _ base: UnsafeMutableRawPointer) -> UnsafeRawPointer {
        UnsafeRawPointer(base + offsets[owner[i]])
    }

    /// The rows of `band` (of all `items`' rows, item after item) item by item: `body(item, first
    /// row within the item, row count)` for each item the band overlaps.
    static func forEachPart(of band: Range<Int>, _ items: [MatvecItem], _ body: (Int, Int, Int) -> Void) {
        var first = 0
        for (i, item) in items.enumerated() {
            let lo = max(band.lowerBound, first), hi = min(band.upperBound, first + item.rows)
            if lo < hi { body(i, lo - first, hi - lo) }
            first += item.rows
        }
    }
}

extension MatMul {
    /// Several products Y = X·Wᵀ with the same `tokens` rows of `x` (`cols` floats each) by
    /// quantized dot products, e.g. the Q, K and V projections of a decode batch: `x` is quantized
    /// once per activation format (the rows shared out among the pool's workers), then all rows
    /// of all matrices go to the workers in one dispatch. `item.y` receives `(tokens, item.rows)`,
    /// row-major. Every result has the bits `matmul(… strategy: .dot)` gives that matrix alone.
    ///
    /// ```swift
    /// try MatMul.matmuls([MatvecItem(weights: wq, type: .q4_1, rows: 576, y: q),
    ///                     MatvecItem(weights: wk, type: .q4_1, rows: 192, y: k)],
    ///                    cols: 576, x: h, tokens: 8, pool: pool)
    /// ```
    ///
    /// `prepare(t)`, when given, runs just before row t of `x` is read — the per-row work that
    /// produces it (a norm, a residual add, an activation) — on whichever thread quantizes that
    /// row, so a batch's rows are prepared in parallel. Rows must not depend on each other.
    public static func matmuls(
        _ items: [MatvecItem], cols: Int, x: UnsafePointer<Float>, tokens: Int, pool: ThreadPool,
        prepare: (Int) -> Void = { _ in }
    ) throws(KernelError) {
        guard tokens > 1 else {
            prepare(0)
            try matvecs(items, cols: cols, x: x, pool: pool)
            return
        }
        let plan = try ItemsPlan(items, cols: cols, tokens: tokens)
        guard plan.totalRows > 0 else { return }
        try withUnsafeTemporaryAllocation(byteCount: max(plan.bytes, 64), alignment: 64) { buffer throws(KernelError) in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            try quantizeRows(x, cols: cols, tokens: tokens, for: plan.owners, into: plan.offsets.map { base + $0 },
                             strides: plan.strides, pool: pool, prepare: prepare)
            let chunk = rowChunk(rows: plan.totalRows, rowBytes: plan.rowBytes.max() ?? 1, threads: pool.threadCount)
            pool.forEachChunk(plan.totalRows, chunk: chunk) { band in
                ItemsPlan.forEachPart(of: band, items) { i, start, count in
                    rowDots(plan.traits[i], items[i].weights + start * plan.rowBytes[i], rowBytes: plan.rowBytes[i], count: count,
                            plan.activation(i, base), stride: plan.strides[plan.owner[i]], tokens: tokens, cols: cols,
                            into: items[i].y + start, outStride: items[i].rows)
                }
            }
        }
    }

    /// Weight rows `weights…` (`count` of them, `rowBytes` apart) against `tokens` quantized
    /// activation rows (`stride` apart): output (row r, token t) at `y[t·outStride + r]`. The
    /// several-rows kernels where the tier has them (each weight block unpacked once for all the
    /// tokens), else one dot product per pair; the same bits either way.
    static func rowDots(
        _ traits: TypeTraits, _ weights: UnsafeRawPointer, rowBytes: Int, count: Int, _ act: UnsafeRawPointer, stride: Int,
        tokens: Int, cols: Int, into y: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        if let bandDot = traits.rowsBandDot {
            bandDot(weights, rowBytes, count, act, stride, tokens, cols, y, outStride)
        } else if let rowsDot = traits.rowsDot {
            for r in 0..<count { rowsDot(weights + r * rowBytes, act, stride, tokens, cols, y + r, outStride) }
        } else {
            for r in 0..<count {
                let row = weights + r * rowBytes
                for t in 0..<tokens { y[t * outStride + r] = traits.vecDot(row, act + t * stride, cols) }
            }
        }
    }

    /// Quantizes `tokens` rows of `x` into each owner's activation format (row t of owner i at
    /// `bases[i] + t·strides[i]`). The first row of each format is done here, so that an
    /// unsupported format throws; from `parallelQuantizeMinTokens` rows on the others are shared
    /// out among the pool's workers (a decode batch's rows would otherwise leave the other workers
    /// waiting), and they cannot fail where the first did not: same format, same width.
    static func quantizeRows(
        _ x: UnsafePointer<Float>, cols: Int, tokens: Int, for owners: [TypeTraits], into bases: [UnsafeMutableRawPointer],
        strides: [Int], pool: ThreadPool, prepare: (Int) -> Void = { _ in }
    ) throws(KernelError) {
        prepare(0)
        for (i, owner) in owners.enumerated() {
            try KernelTable.quantizeActivations(x, cols: cols, for: owner, into: bases[i])
        }
        let rest = tokens - 1
        guard rest > 0 else { return }
        if tokens < parallelQuantizeMinTokens || pool.threadCount < 2 {
            for t in 1..<tokens {
                prepare(t)
                for (i, owner) in owners.enumerated() {
                    try KernelTable.quantizeActivations(x + t * cols, cols: cols, for: owner, into: bases[i] + t * strides[i])
                }
            }
            return
        }
        // A row at a time: prepared, then quantized into every format.
        pool.forEachChunk(rest, chunk: (rest + pool.threadCount - 1) / pool.threadCount) { band in
            for j in band {
                let t = j + 1
                prepare(t)
                for (i, owner) in owners.enumerated() {
                    try? KernelTable.quantizeActivations(x + t * cols, cols: cols, for: owner, into: bases[i] + t * strides[i])
                }
            }
        }
    }

    /// Activation rows from which `quantizeRows` shares the quantization out among the workers.
    static let parallelQuantizeMinTokens = 4
}
