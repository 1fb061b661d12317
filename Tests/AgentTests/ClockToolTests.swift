import Foundation
import Runtime
import Testing
import TestSupport

@testable import Agent

@Suite struct ClockToolTests {
    private func clock(at unixTime: TimeInterval, _ arguments: JSONValue = [:]) async throws -> JSONValue {
        let tool = ClockTool(now: { Date(timeIntervalSince1970: unixTime) })
        return try JSONValue(parsing: try await tool.call(arguments: arguments))
    }

    @Test func defaultsToUTC() async throws {
        let result = try await clock(at: 1_710_054_000.75)
        #expect(result == [
            "datetime": "2024-03-10T07:00:00+00:00", "weekday": "Sunday", "timezone": "UTC",
            "utc_offset": "+00:00", "dst": false, "unix_time": 1_710_054_000,
        ])
    }

    /// Both sides of daylight-saving switches, zones with half- and quarter-hour offsets, and
    /// instants before 1970; expected values worked out by hand from the zones' rules.
    @Test func handDerivedInstants() async throws {
        let cases: [(String, TimeInterval, String, String, Bool)] = [
            ("America/New_York", 1_710_053_999, "2024-03-10T01:59:59-05:00", "Sunday", false),
            ("America/New_York", 1_710_054_000, "2024-03-10T03:00:00-04:00", "Sunday", true),
            ("Europe/London", 1_729_990_799, "2024-10-27T01:59:59+01:00", "Sunday", true),
            ("Europe/London", 1_729_990_800, "2024-10-27T01:00:00+00:00", "Sunday", false),
            ("Asia/Kolkata", 0, "1970-01-01T05:30:00+05:30", "Thursday", false),
            ("UTC", -1, "1969-12-31T23:59:59+00:00", "Wednesday", false),
            ("UTC", -0.5, "1969-12-31T23:59:59+00:00", "Wednesday", false),
            ("UTC", 951_782_400, "2000-02-29T00:00:00+00:00", "Tuesday", false),
        ]
        for (zone, instant, datetime, weekday, dst) in cases {
            let result = try await clock(at: instant, ["timezone": .string(zone)])
            #expect(result["datetime"] == .string(datetime), "\(zone) at \(instant)")
            #expect(result["weekday"] == .string(weekday), "\(zone) at \(instant)")
            #expect(result["dst"] == .bool(dst), "\(zone) at \(instant)")
            #expect(result["timezone"] == .string(zone))
            #expect(result["unix_time"] == .int(Int(instant.rounded(.down))))
        }
    }

    /// Python's `zoneinfo` (the system tz database) as an independent oracle for a spread of
    /// zones and instants, including zones whose offsets are not whole hours.
    @Test func agreesWithPythonZoneinfo() async throws {
        let zones = ["UTC", "Europe/Paris", "America/New_York", "America/St_Johns", "America/Sao_Paulo",
                     "Asia/Kathmandu", "Asia/Tokyo", "Australia/Lord_Howe", "Pacific/Chatham", "Africa/Casablanca"]
        let instants = [0, 1_000_000_000, 1_700_000_000, 1_711_846_799, 1_711_846_800, 1_743_800_000, -86_400 * 365]
        let pairs = zones.flatMap { zone in instants.map { JSONValue.array([.string(zone), .int($0)]) } }
        let script = """
            import json, sys
            from datetime import datetime
            from zoneinfo import ZoneInfo
            out = []
            for zone, t in json.load(sys.stdin):
                d = datetime.fromtimestamp(t, ZoneInfo(zone))
                out.append([d.isoformat(), d.strftime("%A"), bool(d.dst())])
            print(json.dumps(out))
            """
        let run = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script],
                                     stdin: Data(JSONValue.array(pairs).compactText.utf8))
        #expect(run.status == 0, "python3 failed: \(run.stderr)")
        let expected = try #require(try JSONValue(parsing: run.text).arrayValue)
        #expect(expected.count == pairs.count)
        for (pair, oracle) in zip(pairs, expected) {
            let zone = try #require(pair.arrayValue?[0])
            let instant = try #require(pair.arrayValue?[1].intValue)
            let result = try await clock(at: TimeInterval(instant), ["timezone": zone])
            #expect(result["datetime"] == oracle.arrayValue?[0], "\(zone.compactText) at \(instant)")
            #expect(result["weekday"] == oracle.arrayValue?[1], "\(zone.compactText) at \(instant)")
            // The tz database gives Morocco +01 as standard time with a negative "DST" in
            // Ramadan, while ICU's data (Foundation) says +00 standard with +01 as DST: the
            // offsets agree, the DST flag cannot.
            if zone != "Africa/Casablanca" {
                #expect(result["dst"] == oracle.arrayValue?[2], "\(zone.compactText) at \(instant)")
            }
        }
    }

    @Test func civilTimeMatchesFoundationCalendar() throws {
        // Every 9973 hours over 250 years either side of 1970: day, month, year and weekday.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        for step in -220...220 {
            let seconds = step * 9973 * 3600 + 1234
            let civil = CivilTime(unixSeconds: seconds)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday],
                                                from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect([civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second]
                == [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second], "\(seconds)")
            // Calendar counts Sunday as 1; CivilTime counts Monday as 0.
            #expect((civil.weekday + 1) % 7 + 1 == parts.weekday, "\(seconds)")
        }
    }

    @Test func unknownZonesAndBadArgumentsAreInvalid() async {
        let tool = ClockTool(now: { Date(timeIntervalSince1970: 0) })
        for bad: JSONValue in [["timezone": "Mars/Olympus_Mons"], ["timezone": ""], ["timezone": 3],
                               ["zone": "UTC"], ["timezone": .string(String(repeating: "A", count: 65))]] {
            do {
                let text = try await tool.call(arguments: bad)
                Issue.record("\(bad.compactText) was accepted: \(text)")
            } catch {
                #expect(error.kind == .invalidArguments, "\(bad.compactText)")
            }
        }
    }

    @Test func offsetsKeepSecondsWhenNotWholeMinutes() {
        #expect(ClockTool.offsetText(0) == "+00:00")
        #expect(ClockTool.offsetText(19_800) == "+05:30")
        #expect(ClockTool.offsetText(-12_600) == "-03:30")
        #expect(ClockTool.offsetText(-17_762) == "-04:56:02")
    }
}
