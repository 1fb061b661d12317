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
        var traits: [TypeTraits] = []
        var rowBytes: [Int] = []
        // The first item's traits for each activation format, in order of appearance.
        var owners: [TypeTraits] = []
        for item in items {
            let t = try KernelTable.traits(for: item.type)
            guard let bytes = item.type.rowBytes(elements: cols) else { throw .notWholeBlocks(item.type, count: cols) }
            traits.append(t)
            rowBytes.append(bytes)
            if !owners.contains(where: { $0.activationType == t.activationType }) { owners.append(t) }
        }
        // One activation row per format, 64-byte aligned, in order of `owners`.
        var offsets: [Int] = []
        var total = 0
        for owner in owners {
            offsets.append(total)
            total += (owner.activationRowBytes(cols: cols) + 63) / 64 * 64
        }
        let totalRows = items.reduce(0) { $0 + $1.rows }
        guard totalRows > 0 else { return }
        try withUnsafeTemporaryAllocation(byteCount: max(total, 64), alignment: 64) { buffer throws(KernelError) in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            for (i, owner) in owners.enumerated() {
                try KernelTable.quantizeActivations(x, cols: cols, for: owner, into: base + offsets[i])
            }
            let activation = traits.map { t in
                UnsafeRawPointer(base + offsets[owners.firstIndex { $0.activationType == t.activationType } ?? 0])
            }
            let chunk = MatMul.rowChunk(rows: totalRows, rowBytes: rowBytes.max() ?? 1, threads: pool.threadCount)
            pool.forEachChunk(totalRows, chunk: chunk) { band in
                var first = 0
                for (i, item) in items.enumerated() {
                    let lo = max(band.lowerBound, first), hi = min(band.upperBound, first + item.rows)
                    if lo < hi {
                        let start = lo - first
                        traits[i].dotRows(item.weights + start * rowBytes[i], rowBytes: rowBytes[i], count: hi - lo,
                                          activation[i], n: cols, into: item.y + start)
                    }
                    first += item.rows
                }
            }
        }
    }
}
