import Testing
import Runtime

/// Every case of llama.cpp's vocabulary tests (expected ids produced by the models' reference
/// tokenizers): tokenized without BOS and with special parsing off.
@Suite struct VocabularyCaseTests {
    @Test(arguments: VocabularyFixtures.names)
    func encodesEveryCase(_ name: String) throws {
        let tokenizer = try VocabularyFixtures.tokenizer(name)
        let cases = try VocabularyFixtures.cases(name)
        #expect(cases.count >= 46)   // 46 in most files, 50 in qwen35's
        for (index, testCase) in cases.enumerated() {
            let ids = tokenizer.encode(testCase.text, addSpecial: false, parseSpecial: false)
            #expect(ids == testCase.ids, "\(name) case \(index): \(testCase.text.debugDescription)")
        }
    }

    @Test(arguments: VocabularyFixtures.names)
    func decodesEveryCaseBack(_ name: String) throws {
        let tokenizer = try VocabularyFixtures.tokenizer(name)
        for (index, testCase) in try VocabularyFixtures.cases(name).enumerated() {
            let text = tokenizer.decode(testCase.ids)
            #expect(text == testCase.text, "\(name) case \(index): \(testCase.text.debugDescription)")
        }
    }
}
