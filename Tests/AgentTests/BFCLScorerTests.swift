import Agent
import Runtime
import Testing

/// Hand-made cases, one or more per AST rule.
@Suite struct BFCLScorerTests {
    static let parameters: JSONValue = [
        "type": "dict",
        "properties": [
            "base": ["type": "integer"],
            "height": ["type": "float"],
            "unit": ["type": "string"],
            "mode": ["type": "string"],
            "precision": ["type": "integer", "description": "declared, but the ground truth never uses it"],
            "coords": ["type": "tuple", "items": ["type": "float"]],
            "tags": ["type": "array", "items": ["type": "string"]],
            "filter": ["type": "dict", "properties": ["school": ["type": "string"], "grade": ["type": "integer"]]],
        ],
        "required": ["base", "height"],
    ]

    static let expected = BFCLExpectedCall(name: "geometry.area", allowed: JSONObject([
        ("base", [10]), ("height", [5.0]), ("unit", ["units", ""]), ("mode", ["New York, NY", "fast-mode"]),
        ("coords", [[1.5, 2.0], ""]), ("tags", [["a b", "c"], ""]),
        ("filter", [["school": ["Bluebird High School"], "grade": [9, ""]], ""]),
    ]))

    static func question(_ category: BFCLCategory = .simple) -> BFCLQuestion {
        BFCLQuestion(
            id: "\(category.rawValue)_0", category: category, turns: [[BFCLMessage(role: "user", content: "area?")]],
            functions: [BFCLFunction(name: "geometry.area", description: "Area.", parameters: parameters),
                        BFCLFunction(name: "geometry.perimeter", description: "Perimeter.", parameters: parameters)],
            expected: category == .irrelevance ? nil : expected)
    }

    /// The right call with `changes` applied (a nil value removes the argument).
    static func call(_ changes: [String: JSONValue?] = [:], name: String = "geometry.area") -> ToolCall {
        var arguments = JSONObject([("base", 10), ("height", 5.0), ("mode", "fast-mode")])
        for (key, value) in changes { arguments[key] = value }
        return ToolCall(name: name, arguments: .object(arguments))
    }

    static func reason(_ changes: [String: JSONValue?] = [:], name: String = "geometry.area") -> String? {
        BFCLScorer.score(question(), calls: [call(changes, name: name)]).reason
    }

    @Test func rightCallPasses() {
        let result = BFCLScorer.score(Self.question(), calls: [Self.call()])
        #expect(result.passed && result.reason == nil && result.validCall && result.callCount == 1)
        let full = Self.call(["unit": "units", "coords": [1.5, 2.0], "tags": ["a b", "c"],
                              "filter": ["school": "Bluebird High School", "grade": 9]])
        #expect(BFCLScorer.score(Self.question(), calls: [full]).passed)
    }

    @Test func wrongFunctionName() {
        #expect(Self.reason(name: "geometry.perimeter") == "wrong function name: expected 'geometry.area', got 'geometry.perimeter'")
        let multiple = BFCLScorer.score(Self.question(.multiple), calls: [Self.call(name: "geometry_area")])
        #expect(!multiple.passed && !multiple.validCall)
    }

    @Test func missingRequiredParameter() {
        #expect(Self.reason(["base": .none]) == "missing required parameter 'base'")
    }

    @Test func unknownAndUnexpectedParameters() {
        #expect(Self.reason(["color": "red"]) == "unknown parameter 'color'")
        #expect(Self.reason(["precision": 2]) == "unexpected parameter 'precision' (the ground truth does not use it)")
    }

    @Test func valueNotAllowed() {
        #expect(Self.reason(["unit": "km"]) == #"value of 'unit' not allowed: "km"; allowed: ["units",""]"#)
        #expect(Self.reason(["base": 11])?.hasPrefix("value of 'base' not allowed") == true)
    }

    @Test func emptyStringAllowsOmission() {
        // unit, coords, tags and filter list "" and are left out by `call()`; mode does not list it.
        #expect(Self.reason() == nil)
        #expect(Self.reason(["mode": .none]) == #"missing parameter 'mode': the ground truth requires one of ["New York, NY","fast-mode"]"#)
    }

    @Test func integerAcceptedForFloatButNotTheReverse() {
        #expect(Self.reason(["height": 5]) == nil)
        #expect(Self.reason(["base": 10.0]) == "type of 'base': expected integer, got float 10.0")
        #expect(Self.reason(["height": "5"]) == #"type of 'height': expected float, got string "5""#)
        #expect(Self.reason(["unit": 5])?.hasPrefix("type of 'unit': expected string") == true)
        #expect(Self.reason(["coords": [1.5, 2]]) == nil)
        #expect(Self.reason(["coords": [1.5, "2"]])?.hasPrefix("type of 'coords[1]'") == true)
    }

    @Test func stringsCompareStandardized() {
        // The model's spelling differs from the ground truth's...
        #expect(Self.reason(["mode": "new york ny"]) == nil)
        #expect(Self.reason(["unit": " UNITS. "]) == nil)
        // ...and the other way round: the ground truth has the marks the model left out.
        #expect(Self.reason(["mode": "FastMode"]) == nil)
        #expect(Self.reason(["mode": "fast_mode*^"]) == nil)
        #expect(Self.reason(["mode": "slow-mode"]) != nil)
        #expect(BFCLScorer.standardize("April 1, 2024") == BFCLScorer.standardize("april 1,2024"))
        #expect(BFCLScorer.standardize("It's A-B_c/d.e*f^g") == #"it"sabcdefg"#)
        // Only spaces go, as in BFCL: a tab still counts.
        #expect(BFCLScorer.standardize("a\tb") == "a\tb")
    }

    @Test func listsCompareInOrder() {
        #expect(Self.reason(["tags": ["A B", "C"]]) == nil)
        #expect(Self.reason(["tags": ["c", "a b"]])?.hasPrefix("value of 'tags' not allowed") == true)
        #expect(Self.reason(["coords": [2.0, 1.5]]) != nil)
        #expect(Self.reason(["coords": [1.5, 2.0, 3.0]]) != nil)
    }

    @Test func nestedDictionariesCompareKeyByKey() {
        #expect(Self.reason(["filter": ["school": "bluebird high-school"]]) == nil)
        #expect(Self.reason(["filter": ["school": "Bluebird High School", "grade": 9]]) == nil)
        #expect(Self.reason(["filter": ["school": "Bluebird High School", "grade": 10]]) != nil)
        #expect(Self.reason(["filter": ["school": "Bluebird High School", "city": "x"]]) != nil)
        #expect(Self.reason(["filter": ["grade": 9]]) != nil)
        #expect(Self.reason(["filter": ["school": "Bluebird High School", "grade": 9.0]])
            == "type of 'filter.grade': expected integer, got float 9.0")
        #expect(Self.reason(["filter": "Bluebird High School"])?.hasPrefix("type of 'filter': expected dict") == true)
    }

    @Test func exactlyOneCallExpected() {
        let two = BFCLScorer.score(Self.question(), calls: [Self.call(), Self.call()])
        #expect(two.reason == "expected 1 call, got 2" && two.validCall)
        let none = BFCLScorer.score(Self.question(.multiple), calls: [])
        #expect(none.reason == "no call made" && !none.validCall && none.callCount == 0)
        let notObject = BFCLScorer.score(Self.question(), calls: [ToolCall(name: "geometry.area", arguments: [1])])
        #expect(notObject.reason == "arguments are not a JSON object: [1]")
    }

    @Test func irrelevancePassesOnlyWithoutACall() {
        #expect(BFCLScorer.score(Self.question(.irrelevance), calls: []).passed)
        let called = BFCLScorer.score(Self.question(.irrelevance), calls: [Self.call()])
        #expect(!called.passed && called.validCall)
        #expect(called.reason == "made 1 call(s) to 'geometry.area' when no function fits the question")
    }

    @Test func validCallFollowsTheConvertedSchema() {
        // Right function, schema-valid arguments, wrong value: a valid call that fails the check.
        let wrongValue = BFCLScorer.score(Self.question(), calls: [Self.call(["base": 3])])
        #expect(wrongValue.validCall && !wrongValue.passed)
        // The converted top level is closed, so an undeclared argument makes the call invalid.
        #expect(!BFCLScorer.score(Self.question(), calls: [Self.call(["color": "red"])]).validCall)
        #expect(!BFCLScorer.score(Self.question(), calls: [Self.call(["base": "ten"])]).validCall)
    }

    @Test func summaryAggregates() throws {
        var results = [
            BFCLScorer.score(Self.question(), calls: [Self.call()]),
            BFCLScorer.score(Self.question(), calls: [Self.call(["base": 3])]),
            BFCLScorer.score(Self.question(.irrelevance), calls: []),
        ]
        for index in results.indices {
            results[index].latencyMs = Double(index + 1) * 10
            results[index].tokensIn = 100
            results[index].tokensOut = index
        }
        let summary = BFCLSummary(results)
        #expect(summary.questions == 3 && summary.validCalls == 2 && summary.astCorrect == 2 && summary.noCall == 1)
        #expect(summary.meanLatencyMs == 20 && summary.tokensIn == 300 && summary.tokensOut == 3)
        let json = try JSONValue(parsing: summary.jsonObject.compactText)
        #expect(json["questions"] == 3 && json["valid_calls"] == 2 && json["ast_correct"] == 2 && json["no_call"] == 1)
        #expect(json["mean_latency_ms"]?.doubleValue == 20 && json["tokens_in"] == 300 && json["tokens_out"] == 3)
        #expect(BFCLSummary().jsonObject["accuracy"]?.doubleValue == 0)
        #expect(results[1].jsonObject["reason"]?.stringValue?.hasPrefix("value of 'base'") == true)
    }
}
