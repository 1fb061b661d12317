import Tensor

/// The header, metadata and tensor table of a GGUF image, checked for consistency.
struct ParsedGGUF {
    var version: UInt32
    var alignment: Int
    var metadata: GGUFMetadata
    var tensors: [GGUFTensorInfo]
    var dataOffset: Int
}

struct GGUFParser {
    /// The bytes being parsed; large arrays keep a reference instead of copying their elements.
    let file: MappedFile
    var reader: ByteReader

    init(file: MappedFile) {
        self.file = file
        reader = ByteReader(base: file.base, count: file.count)
    }

    /// Smallest possible encodings, used to reject counts the file cannot hold before allocating.
    private static let minimumKeyValueBytes = 8 + 4 + 1
    private static let minimumTensorInfoBytes = 8 + 4 + 8 + 4 + 8
    private static let maximumArrayNesting = 8
    static let defaultAlignment = 32

    mutating func parse() throws(GGUFError) -> ParsedGGUF {
        guard reader.count >= 4 else {
            throw GGUFError.truncated(what: "magic", offset: 0, needed: 4, available: reader.count)
        }
        let magic = (0..<4).map { reader.base.load(fromByteOffset: $0, as: UInt8.self) }
        guard magic == Array("GGUF".utf8) else { throw GGUFError.notGGUF(magic: magic) }
        reader.offset = 4
        let version = try reader.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            let swapped = version.byteSwapped
            if swapped >= 1 && swapped <= 3 { throw GGUFError.bigEndian(version: swapped) }
            throw GGUFError.unsupportedVersion(version)
        }
        let countsOffset = reader.offset
        let tensorCount = try reader.read(UInt64.self, "tensor count")
        let keyValueCount = try reader.read(UInt64.self, "metadata count")
        guard tensorCount <= UInt64(reader.remaining / Self.minimumTensorInfoBytes) else {
            throw GGUFError.implausibleCount(what: "tensor count", count: tensorCount, offset: countsOffset)
        }
        guard keyValueCount <= UInt64(reader.remaining / Self.minimumKeyValueBytes) else {
            throw GGUFError.implausibleCount(what: "metadata count", count: keyValueCount, offset: countsOffset + 8)
        }

        var metadata = GGUFMetadata()
        for _ in 0..<Int(keyValueCount) {
            let keyOffset = reader.offset
            let key = try reader.readString("metadata key")
            let value = try readValue(key: key, depth: 0)
            guard metadata.append(key, value) else { throw GGUFError.duplicateKey(key: key, offset: keyOffset) }
        }
        let alignment = try Self.alignment(from: metadata)

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(Int(tensorCount))
        var seen = Set<String>()
        for _ in 0..<Int(tensorCount) {
            let info = try readTensorInfo(alignment: alignment)
            guard seen.insert(info.name).inserted else {
                throw GGUFError.duplicateTensor(tensor: info.name, offset: info.infoOffset)
            }
            tensors.append(info)
        }

        let (padded, overflow) = reader.offset.addingReportingOverflow(alignment - 1)
        let dataOffset = overflow ? Int.max : padded / alignment * alignment
        try Self.checkBounds(tensors, dataOffset: dataOffset, fileSize: reader.count)
        return ParsedGGUF(version: version, alignment: alignment, metadata: metadata, tensors: tensors,
                          dataOffset: dataOffset)
    }

    private static func alignment(from metadata: GGUFMetadata) throws(GGUFError) -> Int {
        guard let value = metadata["general.alignment"] else { return defaultAlignment }
        guard let alignment = value.intValue, alignment > 0, alignment <= 1 << 30,
              alignment & (alignment - 1) == 0
        else { throw GGUFError.badAlignment(value: "\(value)") }
        return alignment
    }

    private mutating func readValue(key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        let typeOffset = reader.offset
        let typeID = try reader.read(UInt32.self, "value type of '\(key)'")
        guard let type = GGUFValueType(rawValue: typeID) else {
            throw GGUFError.unknownValueType(key: key, typeID: typeID, offset: typeOffset)
        }
        return try readValue(of: type, key: key, depth: depth)
    }

    private mutating func readValue(of type: GGUFValueType, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        let what = "value of '\(key)'"
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, what))
        case .int8: return .int8(try reader.read(Int8.self, what))
        case .uint16: return .uint16(try reader.read(UInt16.self, what))
        case .int16: return .int16(try reader.read(Int16.self, what))
        case .uint32: return .uint32(try reader.read(UInt32.self, what))
        case .int32: return .int32(try reader.read(Int32.self, what))
        case .uint64: return .uint64(try reader.read(UInt64.self, what))
        case .int64: return .int64(try reader.read(Int64.self, what))
        case .float32: return .float32(try reader.readFloat(what))
        case .float64: return .float64(try reader.readDouble(what))
        case .bool: return .bool(try reader.read(UInt8.self, what) != 0)
        case .string: return .string(try reader.readString(what))
        case .array: return .array(try readArray(key: key, depth: depth + 1))
        }
    }

    private mutating func readArray(key: String, depth: Int) throws(GGUFError) -> GGUFArray {
        let start = reader.offset
        guard depth <= Self.maximumArrayNesting else { throw GGUFError.nestingTooDeep(key: key, offset: start) }
        let typeID = try reader.read(UInt32.self, "array element type of '\(key)'")
        guard let elementType = GGUFValueType(rawValue: typeID) else {
            throw GGUFError.unknownValueType(key: key, typeID: typeID, offset: start)
        }
        let countOffset = reader.offset
        let count = try reader.read(UInt64.self, "array length of '\(key)'")
        let minimumElementBytes = elementType.fixedSize ?? (elementType == .string ? 8 : 12)
        guard count <= UInt64(reader.remaining / minimumElementBytes) else {
            throw GGUFError.implausibleCount(what: "array length of '\(key)'", count: count, offset: countOffset)
        }
        switch elementType {
        case .array:
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                values.append(try readValue(of: elementType, key: key, depth: depth))
            }
            return GGUFArray(elementType: elementType, values: values)
        case .string:
            var offsets: [Int] = []
            offsets.reserveCapacity(Int(count))
            var validUTF8 = true
            let what = "value of '\(key)'"
            for _ in 0..<Int(count) {
                offsets.append(reader.offset)
                let bytes = try reader.readStringBytes(what)
                if validUTF8 && !Self.isValidUTF8(bytes) { validUTF8 = false }
            }
            return GGUFArray(strings: file, offsets: offsets, validUTF8: validUTF8)
        default:
            // The length check above guarantees the elements fit.
            let start = reader.offset
            reader.skip(Int(count) * minimumElementBytes)
            return GGUFArray(fixed: elementType, bytes: file, start: start, count: Int(count))
        }
    }

    private static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.allSatisfy({ $0 < 0x80 }) { return true }
        return String(validating: bytes, as: UTF8.self) != nil
    }

    private mutating func readTensorInfo(alignment: Int) throws(GGUFError) -> GGUFTensorInfo {
        let infoOffset = reader.offset
        let name = try reader.readString("tensor name")
        let dimsOffset = reader.offset
        let dimCount = try reader.read(UInt32.self, "dimension count of '\(name)'")
        guard dimCount >= 1 && dimCount <= 4 else {
            throw GGUFError.badDimensionCount(tensor: name, count: dimCount, offset: dimsOffset)
        }
        var shape: [Int] = []
        var elements = 1
        for index in 0..<Int(dimCount) {
            let dimOffset = reader.offset
            let dim = try reader.read(UInt64.self, "dimension \(index) of '\(name)'")
            guard dim > 0, dim <= UInt64(Int64.max) else {
                throw GGUFError.badDimension(tensor: name, index: index, value: dim, offset: dimOffset)
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: Int(dim))
            guard !overflow else { throw GGUFError.tensorTooLarge(tensor: name, offset: dimOffset) }
            elements = product
            shape.append(Int(dim))
        }
        let typeOffset = reader.offset
        let typeID = try reader.read(UInt32.self, "type of '\(name)'")
        guard let type = GGMLType(rawValue: typeID) else {
            throw GGUFError.unknownTensorType(tensor: name, typeID: typeID, offset: typeOffset)
        }
        guard shape[0] % type.blockSize == 0 else {
            throw GGUFError.rowNotBlockMultiple(tensor: name, type: type.name, rowLength: shape[0],
                                                blockSize: type.blockSize, offset: dimsOffset)
        }
        guard let byteCount = type.rowBytes(elements: elements) else {
            throw GGUFError.tensorTooLarge(tensor: name, offset: dimsOffset)
        }
        let offset = try reader.read(UInt64.self, "data offset of '\(name)'")
        guard offset % UInt64(alignment) == 0 else {
            throw GGUFError.misalignedTensor(tensor: name, dataOffset: offset, alignment: alignment)
        }
        guard offset <= UInt64(Int.max) else {
            throw GGUFError.tensorOutOfBounds(tensor: name, start: Int.max, end: Int.max, fileSize: reader.count)
        }
        return GGUFTensorInfo(name: name, shape: shape, type: type, offset: Int(offset), byteCount: byteCount,
                              infoOffset: infoOffset)
    }

    /// Every tensor's bytes inside the file, and no two tensors sharing a byte.
    private static func checkBounds(_ tensors: [GGUFTensorInfo], dataOffset: Int, fileSize: Int) throws(GGUFError) {
        for tensor in tensors {
            let (start, o1) = dataOffset.addingReportingOverflow(tensor.offset)
            let (end, o2) = start.addingReportingOverflow(tensor.byteCount)
            guard !o1, !o2, end <= fileSize else {
                throw GGUFError.tensorOutOfBounds(tensor: tensor.name, start: o1 ? Int.max : start,
                                                  end: (o1 || o2) ? Int.max : end, fileSize: fileSize)
            }
        }
        let sorted = tensors.sorted { ($0.offset, $0.byteCount) < ($1.offset, $1.byteCount) }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where next.offset < previous.offset + previous.byteCount {
            throw GGUFError.overlappingTensors(first: previous.name, second: next.name, offset: dataOffset + next.offset)
        }
    }
}
