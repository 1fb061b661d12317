/// `TokenVocabulary`'s flat trie of token bytes, built level by level: each node owns a run of
/// token ids that share its prefix; sorting the run by the byte after the prefix (stably, so ids stay ascending)
/// splits it into the children's runs. Nodes are numbered breadth-first with children in byte
/// order. Linear in the vocabulary's bytes, with no per-node dictionaries: a dictionary-per-node
/// build took about a second for Gemma's 262k tokens, and the vocabulary is built before a
/// constrained generation starts.
struct TokenTrie: Sendable {
    /// Children of node n: edges childStart[n] ..< childStart[n] + childCount[n], their bytes in
    /// childByte, their nodes `child(k)`.
    let childStart: [Int32]
    let childCount: [Int32]
    let childByte: [UInt8]
    /// The node edge k leads to: k + 1, since the build adds a node with each edge (the root is
    /// node 0). Not stored: the walks would read 4 bytes per edge for it.
    @inline(__always)
    static func child(_ k: Int) -> Int { k &+ 1 }
    /// Per edge: the node it leaves. Edges are numbered in node order, so parents never
    /// decrease along the edges and a parent's edges come before its children's.
    let edgeParent: [Int32]
    /// Tokens ending at node n: nodeTokens[tokenStart[n] ..< tokenStart[n + 1]].
    let tokenStart: [Int32]
    let nodeTokens: [Int32]

    init(tokens: [[UInt8]]) {
        // All bytes in one buffer: token t is bytes[offset[t] ..< offset[t + 1]].
        var offset = [Int32](repeating: 0, count: tokens.count + 1)
        var total = 0
        for (t, bytes) in tokens.enumerated() {
            total += bytes.count
            offset[t + 1] = Int32(total)
        }
        var flat = [UInt8]()
        flat.reserveCapacity(total)
        for bytes in tokens { flat.append(contentsOf: bytes) }
        var ids = tokens.indices.filter { !tokens[$0].isEmpty }.map(Int32.init)
        var scratch = [Int32](repeating: 0, count: ids.count)
        // Built in locals, not through `self` inside the closures (that cost a uniqueness check
        // per append).
        var childStart: [Int32] = [], childCount: [Int32] = [], tokenStart: [Int32] = []
        var childByte: [UInt8] = [], nodeTokens: [Int32] = []
        var edgeParent: [Int32] = []
        nodeTokens.reserveCapacity(ids.count)
        // Per node in creation (= breadth-first) order: its run of ids and its depth (room for
        // the most nodes the tokens can make: this one is dropped after the build).
        var runs: [(start: Int32, end: Int32, depth: Int32)] = [(0, Int32(ids.count), 0)]
        runs.reserveCapacity(total + 1)
        flat.withUnsafeBufferPointer { flat in
            offset.withUnsafeBufferPointer { offset in
                ids.withUnsafeMutableBufferPointer { ids in
                    scratch.withUnsafeMutableBufferPointer { scratch in
                        // The byte after the prefix of length d, or -1 where the token ends there.
                        @inline(__always)
                        func key(_ id: Int32, _ d: Int) -> Int {
                            let at = Int(offset[Int(id)]) &+ d
                            return at < Int(offset[Int(id) &+ 1]) ? Int(flat[at]) : -1
                        }
                        var node = 0
                        while node < runs.count {
                            let lo = Int(runs[node].start), hi = Int(runs[node].end), d = Int(runs[node].depth)
                            Self.stableSort(ids, lo, hi, scratch) { key($0, d) }
                            var i = lo
                            tokenStart.append(Int32(nodeTokens.count))
                            while i < hi, key(ids[i], d) < 0 {
                                nodeTokens.append(ids[i])
                                i += 1
                            }
                            childStart.append(Int32(childByte.count))
                            var children: Int32 = 0
                            while i < hi {
                                let byte = key(ids[i], d)
                                var j = i + 1
                                while j < hi, key(ids[j], d) == byte { j += 1 }
                                childByte.append(UInt8(byte))
                                edgeParent.append(Int32(node))
                                runs.append((Int32(i), Int32(j), Int32(d + 1)))
                                children += 1
                                i = j
                            }
                            childCount.append(children)
                            node += 1
                        }
                    }
                }
            }
        }
        tokenStart.append(Int32(nodeTokens.count))
        self.childStart = childStart
        self.childCount = childCount
        self.childByte = childByte
        self.tokenStart = tokenStart
        self.nodeTokens = nodeTokens
        self.edgeParent = edgeParent
    }

    /// Stable sort of ids[lo..<hi] by `key` (-1...255): insertion sort for short runs, a
    /// counting sort through `scratch` for long ones.
    @inline(__always)
    private static func stableSort(_ ids: UnsafeMutableBufferPointer<Int32>, _ lo: Int, _ hi: Int,
                                   _ scratch: UnsafeMutableBufferPointer<Int32>, key: (Int32) -> Int) {
        if hi - lo <= 48 {
            var i = lo + 1
            while i < hi {
                let id = ids[i], k = key(id)
                var j = i
                while j > lo, key(ids[j - 1]) > k {
                    ids[j] = ids[j - 1]
                    j -= 1
                }
                ids[j] = id
                i += 1
            }
            return
        }
        var counts = [Int](repeating: 0, count: 258)
        for i in lo..<hi { counts[key(ids[i]) + 2] += 1 }
        for k in 1..<258 { counts[k] += counts[k - 1] }
        for i in lo..<hi {
            let slot = key(ids[i]) + 1
            scratch[lo + counts[slot]] = ids[i]
            counts[slot] += 1
        }
        for i in lo..<hi { ids[i] = scratch[i] }
    }
}
