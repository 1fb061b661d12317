import Foundation

/// `strftime` for `strftime_now(format)`, with glibc's `-` flag (no padding) that Linux Python accepts.
enum Strftime {
    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                                 "September", "October", "November", "December"]
    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    static func format(_ pattern: String, date: Date, timeZone: TimeZone) throws -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let year = c.year ?? 1970, month = c.month ?? 1, day = c.day ?? 1
        let hour = c.hour ?? 0, minute = c.minute ?? 0, second = c.second ?? 0, weekday = (c.weekday ?? 1) - 1
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
        var out = ""
        var scalars = Array(pattern.unicodeScalars)[...]
        while let ch = scalars.popFirst() {
            guard ch == "%" else { out.unicodeScalars.append(ch); continue }
            let unpadded = scalars.first == "-"
            if unpadded { scalars.removeFirst() }
            guard let spec = scalars.popFirst() else { out += "%"; break }
            func number(_ n: Int, _ width: Int) -> String {
                let text = String(n)
                return unpadded ? text : String(repeating: "0", count: max(0, width - text.count)) + text
            }
            switch spec {
            case "Y": out += String(year)
            case "y": out += number(year % 100, 2)
            case "m": out += number(month, 2)
            case "d": out += number(day, 2)
            case "e": out += unpadded ? String(day) : (day < 10 ? " " : "") + String(day)
            case "H": out += number(hour, 2)
            case "I": out += number(hour % 12 == 0 ? 12 : hour % 12, 2)
            case "M": out += number(minute, 2)
            case "S": out += number(second, 2)
            case "p": out += hour < 12 ? "AM" : "PM"
            case "j": out += number(dayOfYear, 3)
            case "B": out += months[month - 1]
            case "b", "h": out += String(months[month - 1].prefix(3))
            case "A": out += weekdays[weekday]
            case "a": out += String(weekdays[weekday].prefix(3))
            case "w": out += String(weekday)
            case "%": out += "%"
            default: throw JinjaError.type("strftime: unsupported directive '%\(spec)'")
            }
        }
        return out
    }
}
