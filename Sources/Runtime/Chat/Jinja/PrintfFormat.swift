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
