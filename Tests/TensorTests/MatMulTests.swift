import Testing
@testable import Tensor

/// Fast dot products, matvec and matmul against the scalar reference: dequantized weights times
/// dequantized activations (dot, matvec, small-batch matmul) or times the F32 activations
/// (sgemm matmul), summed in Double.
@Suite struct MatMulTests {
    static let weightTypes: [GGMLType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0,
                                          .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]
    static let rowCounts = [1, 31, 32, 33, 255, 256, 257, 4097]

    /// Relative tolerance (to Σ|w·a|) of integer-dot kernels: F32 scaling and accumulation only.
    static let dotTolerance = 2e-5
    /// Extra tolerance for Q4_1/Q5_1, whose activation sums s = d·Σq are stored as f16: relative to Σ_b |m_b·s_b|.
    static let affineSumTolerance = 1.0 / 1024
    /// Relative tolerance of the sgemm path (F32 products of dequantized tiles).
    static let gemmTolerance = 1e-4

    // 11 blocks: one batch of 8 in the SIMD kernels plus a tail; 3 super-blocks; an odd float count.
    static func cols(for type: GGMLType) -> Int {
        switch type.blockSize {
        case 256: 768
        case 32: 352
        default: 355
        }
    }

    struct Case {
        let type: GGMLType, rows: Int, cols: Int
        let weights: [UInt8], dequantized: [Float]
        let rowBytes: Int

        init(_ type: GGMLType, rows: Int, seed: UInt64, cols: Int? = nil) throws {
            self.type = type
            self.rows = rows
            let cols = cols ?? MatMulTests.cols(for: type)
            self.cols = cols
            rowBytes = try #require(type.rowBytes(elements: cols))
            let weights = RandomTensors.weights(type, rows: rows, cols: cols, seed: seed)
            self.weights = weights
            var out = [Float](repeating: 0, count: rows * cols)
            try weights.withUnsafeBytes { w in
                try out.withUnsafeMutableBufferPointer { o in
                    try Quants.dequantize(type, from: w.baseAddress!, into: o.baseAddress!, count: rows * cols)
                }
            }
            dequantized = out
        }

        /// The activations as the kernels see them (quantized, then dequantized) and the
        /// tolerance bound of each row's dot product.
        func reference(_ x: [Float]) throws -> (values: [Double], bounds: [Double]) {
            let traits = try KernelTable.traits(for: type)
            var act = [UInt8](repeating: 0, count: traits.activationRowBytes(cols: cols))
            var seen = [Float](repeating: 0, count: cols)
            try x.withUnsafeBufferPointer { xp in
                try act.withUnsafeMutableBytes { a in
                    try KernelTable.quantizeActivations(xp.baseAddress!, cols: cols, for: traits, into: a.baseAddress!)
                    try seen.withUnsafeMutableBufferPointer { s in
                        try Quants.dequantize(traits.activationType, from: a.baseAddress!, into: s.baseAddress!, count: cols)
                    }
                }
            }
            var values = [Double](repeating: 0, count: rows), bounds = values
            for r in 0..<rows {
                var sum = 0.0, magnitude = 0.0
                for c in 0..<cols {
                    let p = Double(dequantized[r * cols + c]) * Double(seen[c])
                    sum += p
                    magnitude += abs(p)
                }
                var bound = MatMulTests.dotTolerance * magnitude + 1e-30
                if traits.activationType == .q8_1 {
                    bound += MatMulTests.affineSumTolerance * affineTerm(row: r, act)
                }
                values[r] = sum
                bounds[r] = bound
            }
            return (values, bounds)
        }

        private func affineTerm(row: Int, _ act: [UInt8]) -> Double {
            var total = 0.0
            weights.withUnsafeBytes { w in
                act.withUnsafeBytes { a in
                    for b in 0..<(cols / 32) {
                        let m = Field.half(w.baseAddress! + row * rowBytes + b * type.typeSize, 2)
                        let s = Field.half(a.baseAddress! + b * BlockLayout.Q8_1.size, BlockLayout.Q8_1.s)
                        total += abs(Double(m) * Double(s))
                    }
                }
            }
            return total
        }
    }

    @Test(arguments: weightTypes)
    func dotKernelsMatchReference(type: GGMLType) throws {
        let c = try Case(type, rows: 33, seed: 7)
        let x = RandomTensors.floats(c.cols, seed: 8)
        let (expected, bounds) = try c.reference(x)
        let traits = try KernelTable.traits(for: type)
        var act = [UInt8](repeating: 0, count: traits.activationRowBytes(cols: c.cols))
        try x.withUnsafeBufferPointer { xp in
            try act.withUnsafeMutableBytes { a in
                try KernelTable.quantizeActivations(xp.baseAddress!, cols: c.cols, for: traits, into: a.baseAddress!)
            }
        }
        c.weights.withUnsafeBytes { w in
            act.withUnsafeBytes { a in
                for r in 0..<c.rows {
                    let row = w.baseAddress! + r * c.rowBytes
                    let fast = traits.vecDot(row, a.baseAddress!, c.cols)
                    let portable = traits.portableDot(row, a.baseAddress!, c.cols)
                    #expect(abs(Double(fast) - expected[r]) <= bounds[r], "\(type) row \(r): fast \(fast) vs \(expected[r])")
                    #expect(abs(Double(portable) - expected[r]) <= bounds[r], "\(type) row \(r): portable \(portable) vs \(expected[r])")
                }
            }
        }
    }

    /// Float-weight dots over column counts that reach every tail of the SIMD loops (32-, 16- and
    /// 1-element steps).
    @Test(arguments: [GGMLType.f32, .f16, .bf16], [1, 15, 16, 17, 48, 371])
    func floatDotsCoverEveryTail(type: GGMLType, cols: Int) throws {
        let c = try Case(type, rows: 3, seed: 9, cols: cols)
        let x = RandomTensors.floats(cols, seed: 10)
        let (expected, bounds) = try c.reference(x)
        let traits = try KernelTable.traits(for: type)
        c.weights.withUnsafeBytes { w in
            x.withUnsafeBytes { a in
                for r in 0..<c.rows {
                    let fast = traits.vecDot(w.baseAddress! + r * c.rowBytes, a.baseAddress!, cols)
                    #expect(abs(Double(fast) - expected[r]) <= bounds[r], "\(type) \(cols) columns, row \(r): \(fast) vs \(expected[r])")
                }
            }
        }
    }

    @Test(arguments: weightTypes, [1, 2])
    func matvecMatchesReference(type: GGMLType, threads: Int) throws {
        let pool = ThreadPool(threads: threads)
        for (i, rows) in MatMulTests.rowCounts.enumerated() {
            let c = try Case(type, rows: rows, seed: UInt64(100 + i))
            let x = RandomTensors.floats(c.cols, seed: UInt64(200 + i))
            let (expected, bounds) = try c.reference(x)
            var y = [Float](repeating: .nan, count: rows)
            try c.weights.withUnsafeBytes { w in
                try y.withUnsafeMutableBufferPointer { yp in
                    try MatMul.matvec(weights: w.baseAddress!, type: type, rows: rows, cols: c.cols,
                                      x: x, y: yp.baseAddress!, pool: pool)
                }
            }
            let bad = (0..<rows).filter { !(abs(Double(y[$0]) - expected[$0]) <= bounds[$0]) }
            #expect(bad.isEmpty, "\(type) \(rows)×\(c.cols), \(threads) threads: \(bad.count) rows off, first \(bad.first.map { "\(y[$0]) vs \(expected[$0])" } ?? "")")
        }
    }

    @Test(arguments: weightTypes, [1, 2])
    func matmulMatchesReference(type: GGMLType, threads: Int) throws {
        let pool = ThreadPool(threads: threads)
        for (i, rows) in MatMulTests.rowCounts.enumerated() {
            let c = try Case(type, rows: rows, seed: UInt64(300 + i))
            let runs: [(tokens: Int, strategy: MatMul.Strategy)] = [(3, .automatic), (5, .dot), (5, .blas)]
            for (tokens, strategy) in runs {
                let x = RandomTensors.floats(tokens * c.cols, seed: UInt64(400 + i))
                var y = [Float](repeating: .nan, count: tokens * rows)
                try c.weights.withUnsafeBytes { w in
                    try y.withUnsafeMutableBufferPointer { yp in
                        try MatMul.matmul(weights: w.baseAddress!, type: type, rows: rows, cols: c.cols,
                                          x: x, tokens: tokens, y: yp.baseAddress!, pool: pool, strategy: strategy)
                    }
                }
                for t in 0..<tokens {
                    let xt = Array(x[(t * c.cols)..<((t + 1) * c.cols)])
                    var bad = 0
                    if strategy != .blas {
                        let (expected, bounds) = try c.reference(xt)
                        bad = (0..<rows).filter { !(abs(Double(y[t * rows + $0]) - expected[$0]) <= bounds[$0]) }.count
                    } else {
                        for r in 0..<rows {
                            var sum = 0.0, magnitude = 0.0
                            for k in 0..<c.cols {
                                let p = Double(c.dequantized[r * c.cols + k]) * Double(xt[k])
                                sum += p
                                magnitude += abs(p)
                            }
                            if !(abs(Double(y[t * rows + r]) - sum) <= MatMulTests.gemmTolerance * magnitude + 1e-30) { bad += 1 }
                        }
                    }
                    #expect(bad == 0, "\(type) \(rows)×\(c.cols), \(tokens) tokens (\(strategy)), token \(t), \(threads) threads: \(bad) rows off")
                }
            }
        }
    }

    /// A batch mixing activation formats (Q8_0, Q8_1, Q8_K, F32) and uneven row counts.
    @Test(arguments: [1, 2])
    func matvecsMatchReference(threads: Int) throws {
        let pool = ThreadPool(threads: threads)
        let cols = 768 // a multiple of 256 and of 32
        let specs: [(GGMLType, Int)] = [(.q4_K, 33), (.q4_1, 5), (.q8_0, 257), (.f32, 31), (.q6_K, 1)]
        let cases = try specs.enumerated().map { i, spec in try Case(spec.0, rows: spec.1, seed: UInt64(500 + i), cols: cols) }
        let x = RandomTensors.floats(cols, seed: 600)
        var outputs = cases.map { [Float](repeating: .nan, count: $0.rows) }
        let weights = cases.map { c in
            let p = UnsafeMutableRawPointer.allocate(byteCount: c.weights.count, alignment: 64)
            p.copyMemory(from: c.weights, byteCount: c.weights.count)
            return p
        }
        defer { weights.forEach { $0.deallocate() } }
        let ys = outputs.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.count) }
        defer { ys.forEach { $0.deallocate() } }
        let items = cases.indices.map { MatvecItem(weights: weights[$0], type: cases[$0].type, rows: cases[$0].rows, y: ys[$0]) }
        try MatMul.matvecs(items, cols: cols, x: x, pool: pool)
        for (i, c) in cases.enumerated() {
            outputs[i] = Array(UnsafeBufferPointer(start: ys[i], count: c.rows))
            let (expected, bounds) = try c.reference(x)
            let bad = (0..<c.rows).filter { !(abs(Double(outputs[i][$0]) - expected[$0]) <= bounds[$0]) }
            #expect(bad.isEmpty, "\(c.type) in a batch, \(threads) threads: \(bad.count) rows off")
        }
    }
}
