@testable import Runtime
import Testing

@Suite struct StopStringFilterTests {
    @Test func passesTextWithoutStops() {
        var filter = StopStringFilter(stops: [])
        #expect(filter.push("abc") == ("abc", false))
    }

    @Test func holdsBackAPossibleStopAndReleasesIt() {
        var filter = StopStringFilter(stops: ["</end>"])
        #expect(filter.push("hello </") == ("hello ", false))
        #expect(filter.push("en") == ("", false))
        #expect(filter.push("try") == ("</entry", false))
        #expect(filter.push(" tail") == (" tail", false))
        #expect(filter.flush() == "")
    }

    @Test func cutsAtTheEarliestStop() {
        var filter = StopStringFilter(stops: ["STOP", "\n\n"])
        #expect(filter.push("one\n") == ("one", false))
        #expect(filter.push("\ntwo STOP") == ("", true))
        var other = StopStringFilter(stops: ["STOP", "\n\n"])
        #expect(other.push("a STOP b\n\n") == ("a ", true))
    }

    @Test func flushReturnsHeldText() {
        var filter = StopStringFilter(stops: ["###"])
        #expect(filter.push("x ##") == ("x ", false))
        #expect(filter.flush() == "##")
    }
}
