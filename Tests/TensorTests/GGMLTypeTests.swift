import Testing
@testable import Tensor

@Suite struct GGMLTypeTests {
    @Test func blockLayouts() {
        #expect(GGMLType.q4_0.typeSize == 18 && GGMLType.q4_0.blockSize == 32)
        #expect(GGMLType.q4_K.typeSize == 144 && GGMLType.q4_K.blockSize == 256)
        #expect(GGMLType(name: "q6_k") == .q6_K)
        #expect(GGMLType.q4_0.rowBytes(elements: 33) == nil)
    }
}
