@testable import Tensor
import TestSupport

extension SeededRandom {
    /// Uniform in [-1, 1).
    mutating func signedUnit() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}

/// Random weight matrices of any supported type: random quant bits, finite moderate scales.
enum RandomTensors {
    /// Offsets of the f16 scale fields per block, overwritten with finite values.
    static func halfFields(_ type: GGMLType) -> [Int] {
        switch type {
        case .q4_0, .q5_0, .q8_0: [0]
        case .q4_1, .q5_1: [0, 2]
        case .q2_K: [BlockLayout.Q2_K.d, BlockLayout.Q2_K.dmin]
        case .q3_K: [BlockLayout.Q3_K.d]
        case .q4_K, .q5_K: [0, 2]
        case .q6_K: [BlockLayout.Q6_K.d]
        default: []
        }
    }

    static func weights(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededRandom(seed: seed)
        let bytes = rows * (type.rowBytes(elements: cols) ?? 0)
        var data = [UInt8](repeating: 0, count: bytes)
        switch type {
        case .f32:
            data.withUnsafeMutableBytes { p in
                for i in 0..<(bytes / 4) { p.storeBytes(of: rng.signedUnit(), toByteOffset: 4 * i, as: Float.self) }
            }
        case .f16:
            data.withUnsafeMutableBytes { p in
                for i in 0..<(bytes / 2) { p.storeBytes(of: Float16(rng.signedUnit()).bitPattern, toByteOffset: 2 * i, as: UInt16.self) }
            }
        case .bf16:
            data.withUnsafeMutableBytes { p in
                for i in 0..<(bytes / 2) { p.storeBytes(of: Quants.bf16Bits(rng.signedUnit()), toByteOffset: 2 * i, as: UInt16.self) }
            }
        default:
            for i in 0..<bytes { data[i] = rng.byte() }
            let fields = halfFields(type)
            data.withUnsafeMutableBytes { p in
                for block in 0..<(bytes / type.typeSize) {
                    for offset in fields {
                        let value = Float16(rng.signedUnit() * 0.05)
                        p.storeBytes(of: value.bitPattern, toByteOffset: block * type.typeSize + offset, as: UInt16.self)
                    }
                }
            }
        }
        return data
    }

    static func floats(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in rng.signedUnit() }
    }
}
