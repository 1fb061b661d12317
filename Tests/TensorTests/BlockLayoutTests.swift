import Testing
@testable import Tensor

@Suite struct BlockLayoutTests {
    /// Each layout's size equals the ggml type size and its last field ends exactly at `size`.
    @Test func sizesMatchTheTypeTable() {
        typealias B = BlockLayout
        let cases: [(GGMLType, size: Int, lastFieldEnd: Int)] = [
            (.q4_0, B.Q4_0.size, B.Q4_0.qs + 16),
            (.q4_1, B.Q4_1.size, B.Q4_1.qs + 16),
            (.q5_0, B.Q5_0.size, B.Q5_0.qs + 16),
            (.q5_1, B.Q5_1.size, B.Q5_1.qs + 16),
            (.q8_0, B.Q8_0.size, B.Q8_0.qs + 32),
            (.q8_1, B.Q8_1.size, B.Q8_1.qs + 32),
            (.q2_K, B.Q2_K.size, B.Q2_K.dmin + 2),
            (.q3_K, B.Q3_K.size, B.Q3_K.d + 2),
            (.q4_K, B.Q4_K.size, B.Q4_K.qs + 128),
            (.q5_K, B.Q5_K.size, B.Q5_K.qs + 128),
            (.q6_K, B.Q6_K.size, B.Q6_K.d + 2),
            (.q8_K, B.Q8_K.size, B.Q8_K.bsums + 32),
        ]
        for (type, size, end) in cases {
            #expect(type.typeSize == size, "\(type)")
            #expect(end == size, "\(type)")
        }
        #expect(GGMLType.q4_0.typeSize == 18 && GGMLType.q4_K.typeSize == 144 && GGMLType.q8_K.typeSize == 292)
        #expect(GGMLType.f32.typeSize == 4 && GGMLType.f16.typeSize == 2 && GGMLType.bf16.typeSize == 2)
    }
}
