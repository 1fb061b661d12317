import Foundation
import Runtime

/// `clock`: the current date and time in a time zone. Models do not know "now"; this tells them,
/// with the weekday spelled out because models are unreliable at computing it.
///
/// The clock is injected (`now`) so tests can pin an instant; the calendar arithmetic is done
/// here from the zone's UTC offset at that instant, so the result does not depend on locale
/// settings or date formatters.
public struct ClockTool: Tool {
    public let definition = ToolDefinition(
        name: "clock",
        description: "Returns the current date and time: ISO-8601 datetime with UTC offset, weekday, time zone, "
            + "UTC offset, whether daylight saving time is in effect, and Unix time in seconds.",
        parameters: [
            "type": "object",
            "properties": [
                "timezone": [
                    "type": "string",
                    "description": "IANA time zone name such as \"Europe/Paris\" or \"America/New_York\"; default \"UTC\".",
                    "minLength": 1,
                    "maxLength": 64,
                ],
            ],
            "additionalProperties": false,
        ])

    private let now: @Sendable () -> Date

    /// - Parameter now: where the current instant comes from; the system clock by default.
    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    public func call(arguments: JSONValue) async throws(ToolError) -> String {
        let args = try ToolArguments(arguments, tool: definition.name, allowed: ["timezone"])
        let name = try args.string("timezone") ?? "UTC"
        guard name.count <= 64, let zone = TimeZone(identifier: name) else {
            throw ToolError(.invalidArguments, "clock: unknown time zone '\(name)'; use an IANA name such as \"Europe/Paris\"")
        }
        // An injected clock could return any Double; Int(_:) would trap on one out of range.
        guard let seconds = Int(exactly: now().timeIntervalSince1970.rounded(.down)) else {
            throw ToolError(.failed, "clock: the system clock reads an instant out of range")
        }
        return Self.describe(unixSeconds: seconds, in: zone, named: name).compactText
    }

    /// The clock's answer for the instant `seconds` after 1970-01-01T00:00Z, in `zone`. The zone
    /// is reported by the name asked for: Foundation renames some (it calls "UTC" "GMT").
    static func describe(unixSeconds seconds: Int, in zone: TimeZone, named name: String) -> JSONValue {
        let exact = Date(timeIntervalSince1970: TimeInterval(seconds))
        let offset = zone.secondsFromGMT(for: exact)
        let civil = CivilTime(unixSeconds: seconds + offset)
        let offsetText = Self.offsetText(offset)
        return .members([
            ("datetime", .string(civil.isoText + offsetText)),
            ("weekday", .string(civil.weekdayName)),
            ("timezone", .string(name)),
            ("utc_offset", .string(offsetText)),
            ("dst", .bool(zone.isDaylightSavingTime(for: exact))),
            ("unix_time", .int(seconds)),
        ])
    }

    /// `+05:30`, `-04:00`; with seconds (`-04:56:02`) for the historical local-mean-time offsets
    /// that are not whole minutes, as Python's `isoformat` writes them.
    static func offsetText(_ offset: Int) -> String {
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        var text = sign + twoDigits(magnitude / 3600) + ":" + twoDigits(magnitude / 60 % 60)
        if magnitude % 60 != 0 { text += ":" + twoDigits(magnitude % 60) }
        return text
    }

    static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// A proleptic Gregorian date and time of day, from seconds since 1970-01-01T00:00 (local).
struct CivilTime {
    let year: Int, month: Int, day: Int
    let hour: Int, minute: Int, second: Int
    /// 0 = Monday … 6 = Sunday (ISO order).
    let weekday: Int

    init(unixSeconds: Int) {
        // Floor division, so instants before 1970 land on the right day.
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let secondOfDay = unixSeconds - days * 86_400
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        // 1970-01-01 was a Thursday (ISO weekday index 3).
        weekday = ((days + 3) % 7 + 7) % 7
        // Howard Hinnant's civil_from_days: eras of 400 years starting on March 1st.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    var weekdayName: String { Self.weekdayNames[weekday] }

    /// `YYYY-MM-DDTHH:MM:SS`.
    var isoText: String {
        let yearText = String(year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
        let t = ClockTool.twoDigits
        return "\(paddedYear)-\(t(month))-\(t(day))T\(t(hour)):\(t(minute)):\(t(second))"
    }
}
