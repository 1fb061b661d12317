/// The `format` values the compiler enforces, as anchored ECMAScript regexes. The validator uses
/// the same table, so generation and validation agree.
enum StringFormats {
    /// Calendar-exact full-date (RFC 3339): month lengths, and February 29 only in leap years.
    static let dateRegex = #"(\d{4}-((0[13578]|1[02])-(0[1-9]|[12]\d|3[01])|(0[469]|11)-(0[1-9]|[12]\d|30)|02-(0[1-9]|1\d|2[0-8]))|(\d\d(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)"#
    static let timeRegex = #"([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([zZ]|[+-]([01]\d|2[0-3]):[0-5]\d)"#
    static let octet = #"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"#
    static let ipv4 = "(\(octet)\\.){3}\(octet)"
    static let h16 = "[0-9a-fA-F]{1,4}"
    static let ls32 = "(\(h16):\(h16)|\(ipv4))"
    /// RFC 4291 text forms, as in RFC 3986's IPv6address rule.
    static let ipv6 = [
        "(\(h16):){6}\(ls32)",
        "::(\(h16):){5}\(ls32)",
        "(\(h16))?::(\(h16):){4}\(ls32)",
        "((\(h16):){0,1}\(h16))?::(\(h16):){3}\(ls32)",
        "((\(h16):){0,2}\(h16))?::(\(h16):){2}\(ls32)",
        "((\(h16):){0,3}\(h16))?::\(h16):\(ls32)",
        "((\(h16):){0,4}\(h16))?::\(ls32)",
        "((\(h16):){0,5}\(h16))?::\(h16)",
        "((\(h16):){0,6}\(h16))?::",
    ].map { "(\($0))" }.joined(separator: "|")
    static let label = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"

    /// Standard formats (and ones common validators check) that we do not enforce: an error, since
    /// a validator that checks formats would reject instances we would accept.
    static let standardButUnsupported: Set<String> = [
        "regex", "iri", "iri-reference", "uri-reference", "uri-template", "idn-email", "idn-hostname",
        "json-pointer", "relative-json-pointer", "duration", "color",
    ]

    static let patterns: [String: String] = [
        "date": "^\(dateRegex)$",
        "time": "^\(timeRegex)$",
        "date-time": "^\(dateRegex)[Tt]\(timeRegex)$",
        "uuid": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        "email": #"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"#,
        "ipv4": "^\(ipv4)$",
        "ipv6": "^(\(ipv6))$",
        "hostname": "^\(label)(\\.\(label))*$",
        "uri": #"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s"<>\\^`{|}]*$"#,
    ]
}
