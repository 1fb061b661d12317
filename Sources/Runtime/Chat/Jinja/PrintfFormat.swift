import Foundation

/// Python's `%` string formatting as the `format` filter uses it: `%s`, `%r`, `%d`/`%i`, `%f`, `%%`.
enum PrintfFormat {
    static func format(_ template: String, _ args: [JinjaValue]) throws -> String {
        var out = ""
        var scalars = Array(template.unicodeScalars)[...]
        var next = 0
        func argument() throws -> JinjaValue {
            guard next < args.count else { throw JinjaError.type("not enough arguments for format string") }
            defer { next += 1 }
            return args[next]
        }
        while let c = scalars.popFirst() {
            guard c == "%" else { out.unicodeScalars.append(c); continue }
            var precision: Int?
            if scalars.first == "." {
                scalars.removeFirst()
                var digits = ""
                while let d = scalars.first, ("0"..."9").contains(d) { digits.unicodeScalars.append(d); scalars.removeFirst() }
                precision = Int(digits) ?? 0
            }
            guard let spec = scalars.popFirst() else { throw JinjaError.type("incomplete format") }
            switch spec {
            case "%": out += "%"
            case "s": out += try argument().pythonString
            case "r": out += try argument().pythonRepr
            case "d", "i":
                let v = try argument()
                guard let n = v.number else { throw JinjaError.type("%d format: a number is required, not \(v.typeName)") }
                out += v.integer.map(String.init) ?? String(Int(exactly: n.rounded(.towardZero)) ?? 0)
            case "f":
                let v = try argument()
                guard let n = v.number else { throw JinjaError.type("%f format: a number is required, not \(v.typeName)") }
                out += String(format: "%.\(min(precision ?? 6, 50))f", n)
            default:
                throw JinjaError.type("unsupported format character '\(spec)'")
            }
        }
        if next < args.count { throw JinjaError.type("not all arguments converted during string formatting") }
        return out
    }
}

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
