import Testing
import TestSupport
@testable import Tensor

/// The several-rows kernels (`TypeTraits.rowsDot`) and the batched quantized-dot product: every
/// result bit-identical to the tier's dot of that row alone, so a sequence decoded in a batch
/// gets the logits it gets alone; the SSE2 tier's kernels equal the portable dot.
@Suite struct RowsDotTests {
    static let types: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    /// 9 blocks (one group of 8 and a tail), 18 (SmolLM2's 576 columns), 25, 7 (no whole group),
    /// 15 (a tail of 7) and 20 (a tail of 4) / 1, 2 and 3 super-blocks.
    static func columnCounts(_ type: GGMLType) -> [Int] {
        type.blockSize == 256 ? [256, 512, 768] : [288, 576, 800, 224, 480, 640]
    }

    /// Activations that reach the quantizer's extremes (±127 and 0 in every block).
    static func activations(_ cols: Int, seed: UInt64) -> [Float] {
        var x = RandomTensors.floats(cols, seed: seed)
        for i in stride(from: 0, to: cols, by: 32) {
            x[i] = 3
            x[i + 1] = -3
            x[i + 2] = 0
        }
        return x
    }

    struct Batch {
        let traits: TypeTraits, cols: Int, tokens: Int, stride: Int
        let weights: [UInt8], rowBytes: Int, rows: Int, x: [Float]
        let act: [UInt8]

        init(_ type: GGMLType, cols: Int, tokens: Int, rows: Int, seed: UInt64) throws {
            traits = try KernelTable.traits(for: type)
            self.cols = cols
            self.tokens = tokens
            self.rows = rows
            stride = traits.activationRowBytes(cols: cols)
            rowBytes = try #require(type.rowBytes(elements: cols))
            weights = RandomTensors.weights(type, rows: rows, cols: cols, seed: seed)
            x = (0..<tokens).flatMap { RowsDotTests.activations(cols, seed: seed + 100 + UInt64($0)) }
            act = try Self.quantize(x, traits: traits, cols: cols, tokens: tokens, stride: stride)
        }

        /// Quantized in place: the tail's aligned quants lie where the row's own address puts
        /// them, so the rows must not be copied elsewhere afterwards.
        static func quantize(_ x: [Float], traits: TypeTraits, cols: Int, tokens: Int, stride: Int) throws -> [UInt8] {
            var act = [UInt8](repeating: 0, count: stride * tokens)
            var failure: (any Error)?
            x.withUnsafeBufferPointer { xp in
                act.withUnsafeMutableBytes { a in
                    for t in 0..<tokens {
                        do {
                            try KernelTable.quantizeActivations(xp.baseAddress! + t * cols, cols: cols, for: traits,
                                                                into: a.baseAddress! + t * stride)
                        } catch {
                            failure = error
                        }
                    }
                }
            }
            if let failure { throw failure }
            return act
        }
    }

    /// The types each tier has several-rows kernels for.
    static let tierTypes: [KernelTier: Set<GGMLType>] = [
        .avx512: [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K],
        .avx2: [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q6_K],
        .sse2: [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K],
    ]

    /// Whether this build's kernels sum in their tier's own order rather than the portable
    /// loop's (the avx2 tier takes the avx512 tier's).
    static let ownOrder = KernelTier.active == .avx512 || KernelTier.active == .avx2

    static let legacyTypes: Set<GGMLType> = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0]

    @Test(.enabled(if: tierTypes[KernelTier.active] != nil, "this build's tier has no several-rows kernels"), arguments: types)
    func tierKernelsEqualTheirReferenceBitForBit(type: GGMLType) throws {
        for cols in Self.columnCounts(type) {
            for tokens in [1, 2, 5, 8, 11] {
                let b = try Batch(type, cols: cols, tokens: tokens, rows: 6, seed: UInt64(cols + tokens))
                guard let rowsDot = b.traits.rowsDot else { continue }
                var out = [Float](repeating: .nan, count: tokens * 3)
                b.weights.withUnsafeBytes { w in
                    b.act.withUnsafeBytes { a in
                        out.withUnsafeMutableBufferPointer { o in
                            for r in 0..<b.rows {
                                let row = w.baseAddress! + r * b.rowBytes
                                rowsDot(row, a.baseAddress!, b.stride, tokens, cols, o.baseAddress! + 1, 3)
                                for t in 0..<tokens {
                                    let activation = a.baseAddress! + t * b.stride
                                    let portable = b.traits.portableDot(row, activation, cols)
                                    let single = b.traits.vecDot(row, activation, cols)
                                    // The avx512 and avx2 tiers sum in their own order (tested against the
                                    // portable dots with a tolerance in MatMulTests); their rows must equal
                                    // their vecDot.
                                    let reference = Self.ownOrder ? single : portable
                                    #expect(o[3 * t + 1].bitPattern == reference.bitPattern,
                                            "\(type) \(cols) cols, \(tokens) rows, row \(r) token \(t): \(o[3 * t + 1]) vs \(reference)")
                                    #expect(Self.ownOrder || single.bitPattern == portable.bitPattern,
                                            "\(type) \(cols) cols, row \(r) token \(t): vecDot \(single) vs portable \(portable)")
                                    #expect(o[3 * t].isNaN && o[3 * t + 2].isNaN, "\(type): wrote outside its outputs")
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect((KernelTable.traits[type]?.rowsDot != nil) == (Self.tierTypes[KernelTier.active]?.contains(type) ?? false),
                "\(type): \(KernelTier.active) kernel presence")
    }

    /// `matmul` with quantized dots for a batch of tokens gives, token for token, the bits of
    /// `matvec` on that token alone, in every tier.
    @Test(arguments: types)
    func batchedDotsEqualOneTokenAtATime(type: GGMLType) throws {
        let cols = Self.columnCounts(type)[1], rows = 37
        for tokens in [2, 3, 8, 9] {
            let b = try Batch(type, cols: cols, tokens: tokens, rows: rows, seed: 40 + UInt64(tokens))
            let w = UnsafeMutableRawPointer.allocate(byteCount: b.weights.count, alignment: 64)
            let x = UnsafeMutablePointer<Float>.allocate(capacity: b.x.count)
            let y = UnsafeMutablePointer<Float>.allocate(capacity: 2 * tokens * rows)
            defer { w.deallocate(); x.deallocate(); y.deallocate() }
            w.copyMemory(from: b.weights, byteCount: b.weights.count)
            x.initialize(from: b.x, count: b.x.count)
            try MatMul.matmul(weights: w, type: type, rows: rows, cols: cols, x: x, tokens: tokens, y: y, pool: .shared,
                              strategy: .dot)
            for t in 0..<tokens {
                try MatMul.matvec(weights: w, type: type, rows: rows, cols: cols, x: x + t * cols,
                                  y: y + (tokens + t) * rows, pool: .shared)
            }
            let batched = (0..<(tokens * rows)).map { y[$0] }, alone = (0..<(tokens * rows)).map { y[tokens * rows + $0] }
            #expect(batched.map(\.bitPattern) == alone.map(\.bitPattern), "\(type), \(tokens) tokens")
        }
    }

    /// The band form of the several-rows kernels (`rowsBandDot`: a worker's weight rows in one
    /// call) gives every weight row and activation row the bits of `rowsDot` on that row.
    @Test(arguments: types)
    func bandEqualsRowByRowBitForBit(type: GGMLType) throws {
        let expected = (KernelTier.active == .avx512 && Self.legacyTypes.contains(type))
            || (KernelTier.active == .avx2 && Self.tierTypes[.avx2]?.contains(type) == true)
        #expect((KernelTable.traits[type]?.rowsBandDot != nil) == expected, "\(type): kernel presence")
        for cols in Self.columnCounts(type) {
            for tokens in [2, 5, 9] {
                let b = try Batch(type, cols: cols, tokens: tokens, rows: 11, seed: 90 + UInt64(cols + tokens))
                guard let band = b.traits.rowsBandDot, let rowsDot = b.traits.rowsDot else { continue }
                var banded = [Float](repeating: .nan, count: tokens * b.rows + 1)
                var single = [Float](repeating: .nan, count: tokens * b.rows)
                b.weights.withUnsafeBytes { w in
                    b.act.withUnsafeBytes { a in
                        banded.withUnsafeMutableBufferPointer { o in
                            band(w.baseAddress!, b.rowBytes, b.rows, a.baseAddress!, b.stride, tokens, cols, o.baseAddress!, b.rows)
                        }
                        single.withUnsafeMutableBufferPointer { o in
                            for r in 0..<b.rows {
                                rowsDot(w.baseAddress! + r * b.rowBytes, a.baseAddress!, b.stride, tokens, cols, o.baseAddress! + r, b.rows)
                            }
                        }
                    }
                }
                #expect(banded.prefix(tokens * b.rows).map(\.bitPattern) == single.map(\.bitPattern), "\(type) \(cols) cols, \(tokens) rows")
                #expect(banded[tokens * b.rows].isNaN, "\(type): wrote past its outputs")
            }
        }
    }

    /// The several-weight-rows kernels (decode, four rows against one activation row) give each
    /// row the bits of `vecDot` on it alone, for row counts around the group of four.
    @Test(arguments: types)
    func weightRowsEqualOneRowBitForBit(type: GGMLType) throws {
        let expected: Set<GGMLType> = switch KernelTier.active {
        case .avx512: [.q4_K, .q5_K, .q6_K]
        case .avx2: Self.tierTypes[.avx2] ?? []
        default: []
        }
        #expect((KernelTable.traits[type]?.weightRowsDot != nil) == expected.contains(type), "\(type): kernel presence")
        for cols in Self.columnCounts(type) {
            let b = try Batch(type, cols: cols, tokens: 1, rows: 11, seed: 70 + UInt64(cols))
            for count in [1, 3, 4, 5, 8, 11] {
                var out = [Float](repeating: .nan, count: count + 1)
                b.weights.withUnsafeBytes { w in
                    b.act.withUnsafeBytes { a in
                        out.withUnsafeMutableBufferPointer { o in
                            b.traits.dotRows(w.baseAddress!, rowBytes: b.rowBytes, count: count, a.baseAddress!, n: cols,
                                             into: o.baseAddress!)
                            for r in 0..<count {
                                let single = b.traits.vecDot(w.baseAddress! + r * b.rowBytes, a.baseAddress!, cols)
                                #expect(o[r].bitPattern == single.bitPattern, "\(type) \(cols) cols, \(count) rows, row \(r): \(o[r]) vs \(single)")
                            }
                            #expect(o[count].isNaN, "\(type): wrote past its outputs")
                        }
                    }
                }
            }
        }
    }
}
