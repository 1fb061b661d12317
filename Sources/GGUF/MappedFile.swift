#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only bytes of a GGUF file: a private read-only memory map of a file, or an owned copy of
/// bytes given in memory (tests, fuzzing). The region lives as long as this object.
final class MappedFile: @unchecked Sendable {
    // Immutable after init; the memory is never written, so sharing across threads is safe.
    let base: UnsafeRawPointer
    let count: Int
    private let isMapped: Bool

    init(path: String) throws(GGUFError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GGUFError.cannotOpen(path: path, reason: MappedFile.errnoText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw GGUFError.cannotOpen(path: path, reason: MappedFile.errnoText()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw GGUFError.cannotOpen(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else { throw GGUFError.truncated(what: "header", offset: 0, needed: 24, available: 0) }
        guard let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED else {
            throw GGUFError.cannotOpen(path: path, reason: "mmap failed: \(MappedFile.errnoText())")
        }
        base = UnsafeRawPointer(pointer)
        count = size
        isMapped = true
    }

    init(bytes: [UInt8]) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
        bytes.withUnsafeBytes { source in
            if let from = source.baseAddress { buffer.copyMemory(from: from, byteCount: bytes.count) }
        }
        base = UnsafeRawPointer(buffer)
        count = bytes.count
        isMapped = false
    }

    deinit {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
