/// Portable dot products of one weight row with one activation row, for the float types and the
/// 32-element block types. Written as plain loops over unsafe pointers with wrapping integer
/// arithmetic so that LLVM vectorises them (the x86 intrinsics kernels replace the hot ones).
enum PortableDot {
    // MARK: float weights × F32 activations

    static func f32(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        let x = w.assumingMemoryBound(to: Float.self), y = a.assumingMemoryBound(to: Float.self)
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
                * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var sum = acc.sum()
        while i < n { sum += x[i] * y[i]; i += 1 }
        return sum
    }

    static func f16(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        let x = w.assumingMemoryBound(to: Float16.self), y = a.assumingMemoryBound(to: Float.self)
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            let h = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float16>.self)
            acc += SIMD16<Float>(h) * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var sum = acc.sum()
        while i < n { sum += Float(x[i]) * y[i]; i += 1 }
        return sum
    }

    static func bf16(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        let x = w.assumingMemoryBound(to: UInt16.self), y = a.assumingMemoryBound(to: Float.self)
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            let h = SIMD16<UInt32>(truncatingIfNeeded: UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<UInt16>.self))
            acc += unsafeBitCast(h &<< 16, to: SIMD16<Float>.self)
                * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self)
            i += 16
        }
        var sum = acc.sum()
        while i < n { sum += Float(bitPattern: UInt32(x[i]) << 16) * y[i]; i += 1 }
        return sum
    }

    // MARK: 32-element blocks × Q8_0 / Q8_1 activations

    static func q4_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let x = w + b * BlockLayout.Q4_0.size, y = a + b * BlockLayout.Q8_0.size
            let qs = (x + BlockLayout.Q4_0.qs).assumingMemoryBound(to: UInt8.self)
            let ys = (y + BlockLayout.Q8_0.qs).assumingMemoryBound(to: Int8.self)
            var s: Int32 = 0
            for j in 0..<16 {
                s &+= (Int32(qs[j] & 0xF) &- 8) &* Int32(ys[j]) &+ (Int32(qs[j] >> 4) &- 8) &* Int32(ys[j + 16])
            }
            sum += Field.half(x, 0) * Field.half(y, 0) * Float(s)
        }
        return sum
    }

    static func q4_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let x = w + b * BlockLayout.Q4_1.size, y = a + b * BlockLayout.Q8_1.size
            let qs = (x + BlockLayout.Q4_1.qs).assumingMemoryBound(to: UInt8.self)
            let ys = (y + BlockLayout.Q8_1.qs).assumingMemoryBound(to: Int8.self)
            var s: Int32 = 0
            for j in 0..<16 {
                s &+= Int32(qs[j] & 0xF) &* Int32(ys[j]) &+ Int32(qs[j] >> 4) &* Int32(ys[j + 16])
            }
            sum += Field.half(x, 0) * Field.half(y, 0) * Float(s)
                + Field.half(x, BlockLayout.Q4_1.m) * Field.half(y, BlockLayout.Q8_1.s)
        }
        return sum
    }

    static func q5_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let x = w + b * BlockLayout.Q5_0.size, y = a + b * BlockLayout.Q8_0.size
            let qs = (x + BlockLayout.Q5_0.qs).assumingMemoryBound(to: UInt8.self)
            let qh = Field.u32(x, BlockLayout.Q5_0.qh)
            let ys = (y + BlockLayout.Q8_0.qs).assumingMemoryBound(to: Int8.self)
            var s: Int32 = 0
            for j in 0..<16 {
                let h0 = Int32(truncatingIfNeeded: (qh >> UInt32(j)) << 4) & 16
                let h1 = Int32(truncatingIfNeeded: (qh >> UInt32(j + 12))) & 16
                s &+= ((Int32(qs[j] & 0xF) | h0) &- 16) &* Int32(ys[j])
                    &+ ((Int32(qs[j] >> 4) | h1) &- 16) &* Int32(ys[j + 16])
            }
            sum += Field.half(x, 0) * Field.half(y, 0) * Float(s)
        }
        return sum
    }

    static func q5_1(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let x = w + b * BlockLayout.Q5_1.size, y = a + b * BlockLayout.Q8_1.size
            let qs = (x + BlockLayout.Q5_1.qs).assumingMemoryBound(to: UInt8.self)
            let qh = Field.u32(x, BlockLayout.Q5_1.qh)
            let ys = (y + BlockLayout.Q8_1.qs).assumingMemoryBound(to: Int8.self)
            var s: Int32 = 0
            for j in 0..<16 {
                let h0 = Int32(truncatingIfNeeded: (qh >> UInt32(j)) << 4) & 16
                let h1 = Int32(truncatingIfNeeded: (qh >> UInt32(j + 12))) & 16
                s &+= (Int32(qs[j] & 0xF) | h0) &* Int32(ys[j]) &+ (Int32(qs[j] >> 4) | h1) &* Int32(ys[j + 16])
            }
            sum += Field.half(x, 0) * Field.half(y, 0) * Float(s)
                + Field.half(x, BlockLayout.Q5_1.m) * Field.half(y, BlockLayout.Q8_1.s)
        }
        return sum
    }

    static func q8_0(_ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ n: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let x = w + b * BlockLayout.Q8_0.size, y = a + b * BlockLayout.Q8_0.size
            let xs = (x + BlockLayout.Q8_0.qs).assumingMemoryBound(to: Int8.self)
            let ys = (y + BlockLayout.Q8_0.qs).assumingMemoryBound(to: Int8.self)
            var s: Int32 = 0
            for j in 0..<32 { s &+= Int32(xs[j]) &* Int32(ys[j]) }
            sum += Field.half(x, 0) * Field.half(y, 0) * Float(s)
        }
        return sum
    }
}
