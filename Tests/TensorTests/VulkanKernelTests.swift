import Foundation
import Testing
@testable import Tensor

/// The Vulkan shaders against the CPU kernels (the scalar dequantizers and `Ops`, `RoPE`,
/// `Attention`), on whatever device the loader offers — in CI, lavapipe (Mesa's Vulkan on the
/// CPU). Tolerances are named per kernel; a machine without any Vulkan device fails these tests
/// (CI installs mesa-vulkan-drivers), it does not skip them.
@Suite(.serialized) struct VulkanKernelTests {
    /// One device for every test (opening one takes a while on lavapipe).
    static let device: Result<VulkanDevice, VulkanError> = {
        do throws(VulkanError) { return .success(try VulkanDevice()) } catch { return .failure(error) }
    }()

    static func open() throws -> VulkanDevice { try device.get() }

    /// A buffer holding `values` (as bytes), padded with `pad` bytes of 0xFF on both sides so that
    /// offsets are exercised and stray writes would show.
    static func buffer(_ d: VulkanDevice, floats values: [Float]) throws -> VulkanBuffer {
        let b = try d.makeBuffer(bytes: values.count * 4)
        try values.withUnsafeBytes { try d.upload($0.baseAddress!, count: $0.count, to: b) }
        return b
    }

    static func read(_ d: VulkanDevice, _ b: VulkanBuffer, count: Int) throws -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        try out.withUnsafeMutableBytes { try d.download(b, count: $0.count, into: $0.baseAddress!) }
        return out
    }

    @Test func listsDevicesAndOpensOne() throws {
        let devices = try Vulkan.devices()
        #expect(!devices.isEmpty)
        let d = try Self.open()
        #expect(devices.contains { $0.name == d.info.name && $0.hasCompute })
        #expect(d.info.apiVersion.split(separator: ".").count == 3)
    }

    @Test func badDeviceIndexIsAClearError() throws {
        let count = try Vulkan.devices().count
        #expect(throws: VulkanError.deviceIndex(count + 3, count: count)) { _ = try VulkanDevice(index: count + 3) }
        #expect(VulkanError.deviceIndex(5, count: 1).description.contains("no Vulkan device 5"))
    }

    /// `SWIFTLLM_SPIRV_DIR`'s lookup: a `NAME.spv` in the folder replaces the embedded shader
    /// (here the committed `glu.spv`, copied as `add.spv`, stands in for a changed one), a name without
    /// a file there keeps the embedded words, and a file that is not whole words is refused.
    @Test func spirvFolderOverridesTheEmbeddedShader() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spirv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Kernels/spirv/glu.spv")
        try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent("add.spv"))
        try Data([1, 2, 3]).write(to: folder.appendingPathComponent("rope.spv"))
        let glu = try #require(ShaderLibrary.words("glu", folder: nil))
        #expect(ShaderLibrary.words("add", folder: folder.path) == glu)
        #expect(ShaderLibrary.words("add", folder: folder.path) != ShaderLibrary.words("add", folder: nil))
        #expect(ShaderLibrary.words("scale_rows", folder: folder.path) == ShaderLibrary.words("scale_rows", folder: nil))
        #expect(ShaderLibrary.words("rope", folder: folder.path) == nil)
    }

    @Test func everyShaderIsEmbedded() {
        for name in ["rms_norm", "add", "glu", "rope", "kv_store", "attention", "scale_rows"] { #expect(ShaderLibrary.words(name) != nil, "\(name)") }
        for type in [GGMLType.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K] {
            #expect(VulkanKernel.matvec(type) != nil, "\(type)")
            #expect(VulkanKernel.matmul(type) != nil, "\(type)")
        }
        // SPIR-V's magic number opens every module.
        for name in ShaderLibrary.names { #expect(ShaderLibrary.words(name)?.first == 0x0723_0203, "\(name)") }
    }

    /// Matvec and the tiled matmul over the CPU tests' shape sweep: odd row counts, several
    /// column counts per block size, token counts around the matvec's 8-token chunks and the
    /// matmul's 32-token tiles (and row counts around its 64-row tiles), nonzero offsets and
    /// strides, and 1, 4 and 16 rows per matvec workgroup.
    @Test(arguments: [GGMLType.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K])
    func matvecMatchesTheDequantizedProduct(type: GGMLType) throws {
        let d = try Self.open()
        let colsList: [Int] = switch type.blockSize {
        case 1: [1, 33, 577]
        case 32: [32, 96, 576]
        default: [256, 512, 1536]
        }
        var worst = 0.0
        for cols in colsList {
            for (rows, tokens, perGroup, tiled) in [(1, 1, 4, false), (7, 3, 16, false), (300, 9, 4, false), (65, 17, 16, false),
                                                    (37, 2, 1, false), (1, 1, 0, true), (65, 33, 0, true), (130, 9, 0, true), (64, 32, 0, true)] {
                let kernel = try #require(tiled ? VulkanKernel.matmul(type) : VulkanKernel.matvec(type, rowsPerGroup: perGroup))
                let rowBytes = try #require(type.rowBytes(elements: cols))
                let wOffset = 8
                var weights = [UInt8](repeating: 0xFF, count: wOffset)
                weights += RandomTensors.weights(type, rows: rows, cols: cols, seed: UInt64(rows * 131 + cols))
                let xStride = cols + 5, xOffset = 3, yStride = rows + 2, yOffset = 11
                let x = RandomTensors.floats(xOffset + tokens * xStride, seed: UInt64(cols))
                let wBuffer = try d.makeBuffer(bytes: weights.count)
                try weights.withUnsafeBytes { try d.upload($0.baseAddress!, count: $0.count, to: wBuffer) }
                let xBuffer = try Self.buffer(d, floats: x)
                let yCount = yOffset + tokens * yStride
                let yBuffer = try Self.buffer(d, floats: [Float](repeating: -7, count: yCount))
                let binding = try d.bind(kernel, [wBuffer, xBuffer, yBuffer])
                let push: [UInt32] = [rows, cols, rowBytes, tokens, wOffset, xOffset, xStride, yOffset, yStride].map { UInt32($0) }
                try d.execute { r throws(VulkanError) in
                    try r.dispatch(binding, push: push, groups: tiled ? VulkanKernel.matmulGroups(rows: rows, tokens: tokens)
                                   : VulkanKernel.matvecGroups(rows: rows, rowsPerGroup: perGroup))
                }
                let y = try Self.read(d, yBuffer, count: yCount)
                var row = [Float](repeating: 0, count: cols)
                for r in 0..<rows {
                    try weights.withUnsafeBytes { w in
                        try Quants.dequantize(type, from: w.baseAddress! + wOffset + r * rowBytes, into: &row, count: cols)
                    }
                    for t in 0..<tokens {
                        var exact = 0.0, magnitude = 0.0
                        for c in 0..<cols {
                            let p = Double(row[c]) * Double(x[xOffset + t * xStride + c])
                            exact += p
                            magnitude += abs(p)
                        }
                        let got = Double(y[yOffset + t * yStride + r])
                        let error = abs(got - exact) / (magnitude + 1e-30)
                        worst = max(worst, error)
                        #expect(abs(got - exact) <= 1e-5 * magnitude + 1e-6, "\(type) \(tiled ? "matmul" : "matvec") rows \(rows)/\(perGroup) cols \(cols) tokens \(tokens): row \(r) token \(t): \(got) vs \(exact)")
                    }
                }
                // Outside the outputs nothing changed.
                for i in 0..<yOffset { #expect(y[i] == -7) }
                for t in 0..<tokens { for i in rows..<yStride { #expect(y[yOffset + t * yStride + i] == -7) } }
            }
        }
        #expect(worst < 1e-5)
    }

    /// The element-wise shaders against `Ops`: RMS norm (with and without gains, several rows),
    /// bias and residual adds, SwiGLU and GeGLU.
    @Test func normAddAndGatesMatchOps() throws {
        let d = try Self.open()
        let n = 577, rows = 3
        let x = RandomTensors.floats(rows * n, seed: 1).map { $0 * 3 }
        let w = RandomTensors.floats(n, seed: 2)
        let arena = try Self.buffer(d, floats: x + [Float](repeating: 0, count: 3 * rows * n))
        let vectors = try Self.buffer(d, floats: w)
        let norm = try d.bind(.rmsNorm, [arena, vectors])
        let add = try d.bind(.add, [arena, vectors])
        let glu = try d.bind(.glu, [arena])
        let eps: Float = 1e-6
        let out = rows * n, sum = 2 * rows * n, gated = 3 * rows * n
        try d.execute { r throws(VulkanError) in
            try r.dispatch(norm, push: [n, rows, 0, n, out, n, 0, Int(eps.bitPattern)].map { UInt32($0) }, groups: (rows, 1, 1))
            r.barrier()
            // x + norm(x), then + w on every row (w from the vectors buffer).
            try r.dispatch(add, push: [rows * n, 0, out, sum, rows * n, 0].map { UInt32($0) }, groups: VulkanKernel.spread(rows * n, size: 256))
            r.barrier()
            try r.dispatch(add, push: [rows * n, sum, 0, sum, n, 1].map { UInt32($0) }, groups: VulkanKernel.spread(rows * n, size: 256))
            r.barrier()
            // SiLU(row 0) · row 1 and GELU(row 1) · row 2, each n wide.
            try r.dispatch(glu, push: [n, 1, 0, n, n, n, gated, n, 0].map { UInt32($0) }, groups: ((n + 255) / 256, 1, 1))
            try r.dispatch(glu, push: [n, 1, n, n, 2 * n, n, gated + n, n, 1].map { UInt32($0) }, groups: ((n + 255) / 256, 1, 1))
        }
        let got = try Self.read(d, arena, count: 4 * rows * n)
        var expected = [Float](repeating: 0, count: rows * n)
        for r in 0..<rows {
            x.withUnsafeBufferPointer { xp in
                Ops.rmsNorm(xp.baseAddress! + r * n, weight: w, eps: eps, out: &expected[r * n], n: n)
            }
        }
        for i in 0..<rows * n {
            #expect(abs(got[out + i] - expected[i]) <= 1e-5 * max(1, abs(expected[i])), "norm \(i)")
            let s = x[i] + expected[i] + w[i % n]
            #expect(abs(got[sum + i] - s) <= 1e-5 * max(1, abs(s)), "add \(i)")
        }
        var silu = [Float](repeating: 0, count: n), gelu = [Float](repeating: 0, count: n)
        x.withUnsafeBufferPointer { xp in
            Ops.swiglu(gate: xp.baseAddress!, up: xp.baseAddress! + n, out: &silu, n: n)
            Ops.geglu(gate: xp.baseAddress! + n, up: xp.baseAddress! + 2 * n, out: &gelu, n: n)
        }
        for i in 0..<n {
            #expect(abs(got[gated + i] - silu[i]) <= 1e-5 * max(1, abs(silu[i])), "swiglu \(i)")
            #expect(abs(got[gated + n + i] - gelu[i]) <= 1e-5 * max(1, abs(gelu[i])), "geglu \(i)")
        }
    }

    /// Timestamps: every dispatch and copy of a profiled command buffer is counted under its
    /// shader's name, each with device time, and their sum fits inside the wall time of the
    /// submission (and is most of it: large adds dominate).
    @Test func profileTimesEveryDispatch() throws {
        let d = try Self.open()
        let n = 1 << 22
        let arena = try d.makeBuffer(bytes: 3 * n * 4)
        let vectors = try d.makeBuffer(bytes: 4)
        let add = try d.bind(.add, [arena, vectors])
        try d.startProfiling()
        defer { d.stopProfiling() }
        let start = DispatchTime.now().uptimeNanoseconds
        try d.execute { r throws(VulkanError) in
            for i in 0..<3 {
                try r.dispatch(add, push: [n, 0, n, 2 * n, n, 0].map { UInt32($0) }, groups: VulkanKernel.spread(n, size: 256))
                r.barrier()
                if i == 1 { r.copy(arena, 0, to: arena, n * 4, bytes: n * 4) }
                r.barrier()
            }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let profile = try #require(d.profile)
        #expect(profile.map(\.name).sorted() == ["add", "copy"])
        #expect(profile.first { $0.name == "add" }?.calls == 3)
        #expect(profile.first { $0.name == "copy" }?.calls == 1)
        #expect(profile.allSatisfy { $0.seconds > 0 })
        let total = profile.reduce(0) { $0 + $1.seconds }
        print("profile: \(profile), wall \(wall) s")
        #expect(total <= wall * 1.01)
        #expect(total >= wall * 0.2)
    }

    /// Per-row factors: every element of row r times factor r, the padding between rows untouched.
    @Test func scaleRowsScalesEachRowByItsFactor() throws {
        let d = try Self.open()
        let n = 300, rows = 3, stride = n + 7
        let x = RandomTensors.floats(rows * stride, seed: 11)
        let factors: [Float] = [1.5, -0.25, 3]
        let arena = try Self.buffer(d, floats: x)
        let io = try Self.buffer(d, floats: [9, 9] + factors)
        let scale = try d.bind(.scaleRows, [arena, io])
        try d.execute { r throws(VulkanError) in
            try r.dispatch(scale, push: [n, rows, 0, stride, 2].map { UInt32($0) }, groups: ((n + 255) / 256, rows, 1))
        }
        let got = try Self.read(d, arena, count: x.count)
        for row in 0..<rows {
            for i in 0..<stride {
                let expected = i < n ? x[row * stride + i] * factors[row] : x[row * stride + i]
                #expect(got[row * stride + i] == expected, "row \(row) element \(i)")
            }
        }
    }

    /// RoPE in both pair styles against `RoPE.rotate`, with dims < headDim (partial rotation).
    @Test(arguments: [RoPE.Style.normal, .neox])
    func ropeMatchesTheCPU(style: RoPE.Style) throws {
        let d = try Self.open()
        let heads = 3, headDim = 64, dims = 48, tokens = 5, stride = heads * headDim + 4
        let x = RandomTensors.floats(tokens * stride, seed: 9)
        var table = [Float](repeating: 0, count: tokens * dims)
        for t in 0..<tokens {
            table.withUnsafeMutableBufferPointer { p in
                RoPE.angles(position: 7 + t, dims: dims, freqBase: 10_000, cosines: p.baseAddress! + t * dims,
                            sines: p.baseAddress! + t * dims + dims / 2)
            }
        }
        let arena = try Self.buffer(d, floats: x)
        let io = try Self.buffer(d, floats: [0, 0] + table)
        let rope = try d.bind(.rope, [arena, io])
        try d.execute { r throws(VulkanError) in
            try r.dispatch(rope, push: [heads, headDim, dims, tokens, 0, stride, 2, style == .neox ? 1 : 0].map { UInt32($0) },
                           groups: ((heads * dims / 2 + 63) / 64, tokens, 1))
        }
        let got = try Self.read(d, arena, count: x.count)
        var expected = x
        for t in 0..<tokens {
            expected.withUnsafeMutableBufferPointer { e in
                table.withUnsafeBufferPointer { tp in
                    RoPE.rotate(e.baseAddress! + t * stride, heads: heads, headDim: headDim, dims: dims,
                                cosines: tp.baseAddress! + t * dims, sines: tp.baseAddress! + t * dims + dims / 2, style: style)
                }
            }
        }
        for i in 0..<x.count { #expect(abs(got[i] - expected[i]) <= 1e-6 * max(1, abs(expected[i])), "\(i)") }
    }

    /// Keys and values stored as halves (bit for bit the CPU cache's rounding), then attention over
    /// them against `Attention.causal` on the same half cache: grouped-query heads, a first
    /// position past 0, several query tokens, positions past one 64-wide chunk, and a sliding window.
    @Test(arguments: [nil, 37] as [Int?])
    func kvStoreAndAttentionMatchTheCPU(window: Int?) throws {
        let d = try Self.open()
        let heads = 4, kvHeads = 2, headDim = 64, tokens = 3, first = 150
        let positions = first + tokens, kvDim = kvHeads * headDim
        let keys = RandomTensors.floats(positions * kvDim, seed: 3).map { $0 * 2 }
        let values = RandomTensors.floats(positions * kvDim, seed: 4)
        let q = RandomTensors.floats(tokens * heads * headDim, seed: 5)
        // Arena: keys, values, q, out.
        let qOff = 2 * positions * kvDim, outOff = qOff + q.count
        let arena = try Self.buffer(d, floats: keys + values + q + [Float](repeating: 0, count: tokens * heads * headDim))
        let capacity = positions + 10
        let cache = try d.makeBuffer(bytes: 2 * capacity * kvDim * 2)
        let vBase = capacity * kvDim / 2   // in uints
        let store = try d.bind(.kvStore, [arena, cache])
        let attention = try d.bind(.attention, [arena, cache])
        let scale: Float = 0.125
        try d.execute { r throws(VulkanError) in
            let pairs = kvDim / 2
            try r.dispatch(store, push: [pairs, positions, 0, kvDim, 0, pairs].map { UInt32($0) }, groups: ((pairs + 63) / 64, positions, 1))
            try r.dispatch(store, push: [pairs, positions, positions * kvDim, kvDim, vBase, pairs].map { UInt32($0) },
                           groups: ((pairs + 63) / 64, positions, 1))
            r.barrier()
            try r.dispatch(attention, push: [headDim, headDim, heads, kvHeads, tokens, first, window ?? 0, Int(scale.bitPattern),
                                             qOff, heads * headDim, outOff, heads * headDim, 0, kvDim / 2, vBase, kvDim / 2].map { UInt32($0) },
                           groups: (heads, tokens, 1))
        }
        // The stored halves are the CPU cache's halves.
        var halves = [UInt16](repeating: 0, count: 2 * capacity * kvDim)
        try halves.withUnsafeMutableBytes { try d.download(cache, count: $0.count, into: $0.baseAddress!) }
        var cpuKeys = [UInt16](repeating: 0, count: positions * kvDim), cpuValues = cpuKeys
        keys.withUnsafeBufferPointer { k in cpuKeys.withUnsafeMutableBytes { Float16Rows.store(k.baseAddress!, to: $0.baseAddress!, count: k.count) } }
        values.withUnsafeBufferPointer { v in cpuValues.withUnsafeMutableBytes { Float16Rows.store(v.baseAddress!, to: $0.baseAddress!, count: v.count) } }
        #expect(Array(halves[0..<positions * kvDim]) == cpuKeys)
        #expect(Array(halves[capacity * kvDim..<capacity * kvDim + positions * kvDim]) == cpuValues)

        let got = try Self.read(d, arena, count: outOff + q.count)
        var expected = [Float](repeating: 0, count: q.count)
        try cpuKeys.withUnsafeBytes { k in
            try cpuValues.withUnsafeBytes { v in
                let layer = try Attention.Cache(keys: k.baseAddress!, values: v.baseAddress!, type: .f16)
                Attention.causal(q: q, tokens: tokens, firstPosition: first, cache: layer, heads: heads, kvHeads: kvHeads,
                                 headDim: headDim, scale: scale, window: window, out: &expected, pool: .shared)
            }
        }
        for i in 0..<q.count { #expect(abs(got[outOff + i] - expected[i]) <= 2e-5 * max(1, abs(expected[i])), "\(i)") }
    }
}
