import Foundation
import Runtime

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directory the file tools may read, and the one place that turns a model-written path into
/// a real path inside it. A path is refused when it is absolute, has a `..` component, or passes
/// through a symlink that leads outside the root. Each component is resolved in turn (lstat, then
/// realpath) starting from the real root, so the tools never even stat a name outside the root:
/// "not found" and "refused" reveal nothing about what lies beyond it.
public struct FileSandbox: Sendable {
    /// The root's real path (symlinks resolved, no trailing slash except for "/" itself).
    public let root: String

    /// - Throws: `BuiltinToolsError` when `root` does not exist or is not a directory.
    public init(root: String) throws(BuiltinToolsError) {
        guard let real = FileSandbox.realPath(root) else {
            throw BuiltinToolsError("file tools root '\(root)' does not exist or cannot be resolved")
        }
        guard FileStatus(path: real)?.kind == .directory else {
            throw BuiltinToolsError("file tools root '\(root)' is not a directory")
        }
        self.root = real
    }

    /// A path inside the root: its real path, and the relative path shown to the model.
    struct Resolved {
        let real: String
        let relative: String
        let status: FileStatus
    }

    /// Resolves `path` (relative to the root; "" and "." name the root itself).
    func resolve(_ path: String, tool: String) throws(ToolError) -> Resolved {
        guard !path.utf8.contains(0) else {
            throw ToolError(.invalidArguments, "\(tool): the path contains a NUL byte")
        }
        guard !path.hasPrefix("/") else {
            throw ToolError(.refused, "\(tool): absolute paths are refused; give a path relative to the root, e.g. \"docs/a.txt\"")
        }
        let components = path.split(separator: "/").map(String.init).filter { $0 != "." }
        guard !components.contains("..") else {
            throw ToolError(.refused, "\(tool): paths with '..' are refused; the tools only see inside the root")
        }
        var current = root
        guard var status = FileStatus(path: current) else {
            throw ToolError(.unavailable, "\(tool): the root directory is no longer readable")
        }
        for (i, component) in components.enumerated() {
            let shown = components[...i].joined(separator: "/")
            guard status.kind == .directory else {
                throw ToolError(.invalidArguments, "\(tool): '\(components[..<i].joined(separator: "/"))' is not a directory")
            }
            let candidate = (current == "/" ? "" : current) + "/" + component
            guard let entry = FileStatus(path: candidate) else {
                throw ToolError(.invalidArguments, "\(tool): '\(shown)' does not exist")
            }
            if entry.kind == .symlink {
                guard let target = FileSandbox.realPath(candidate) else {
                    throw ToolError(.invalidArguments, "\(tool): '\(shown)' is a symlink whose target does not exist")
                }
                guard contains(target) else {
                    throw ToolError(.refused, "\(tool): '\(shown)' is a symlink that leads outside the root")
                }
                guard let resolved = FileStatus(path: target) else {
                    throw ToolError(.invalidArguments, "\(tool): '\(shown)' does not exist")
                }
                current = target
                status = resolved
            } else {
                current = candidate
                status = entry
            }
        }
        return Resolved(real: current, relative: components.isEmpty ? "." : components.joined(separator: "/"),
                        status: status)
    }

    /// Whether a real path lies inside the root. Compared per component, so "/data/root2" is
    /// not inside "/data/root" although it starts with it.
    func contains(_ real: String) -> Bool {
        if root == "/" { return real.hasPrefix("/") }
        return real == root || real.hasPrefix(root + "/")
    }

    /// realpath(3): the canonical absolute path, or nil when any part is missing.
    static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}

/// What lstat(2) says about one directory entry (a symlink is reported as itself).
struct FileStatus: Equatable {
    enum Kind: String {
        case file, directory = "dir", symlink, other
    }

    let kind: Kind
    let size: Int

    init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .file
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        size = Int(info.st_size)
    }

    /// `{"name"/"path": …, "type": …, "size": …}` for listings; only regular files carry a size,
    /// since a directory's or link's st_size means nothing to a reader.
    func entry(_ key: String, _ name: String) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [(key, .string(name)), ("type", .string(kind.rawValue))]
        if kind == .file { members.append(("size", .int(size))) }
        return members
    }
}
