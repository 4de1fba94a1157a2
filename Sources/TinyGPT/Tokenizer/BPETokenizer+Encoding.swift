extension BPETokenizer {
    /// Encodes text: scalars → base ids, chunks (see `PreTokenizer`), merges per chunk. Chunks repeat a lot in
    /// real text (" the", " apples", ".\n"), so each distinct chunk is merged once per call and then copied from a
    /// cache; the cache lives in the call, which keeps the tokenizer an immutable, thread-safe value.
    public func encode(_ text: String) -> [Int32] {
        var baseIDs: [Int32] = []
        alphabet.appendIDs(of: text, to: &baseIDs)
        var out: [Int32] = []
        out.reserveCapacity(baseIDs.count)
        var cache = ChunkCache()
        var scratch: [Int32] = []
        baseIDs.withUnsafeBufferPointer { ids in
            preTokenizer.forEachChunk(ids) { start, end in
                if end - start == 1 {
                    out.append(ids[start])
                    return
                }
                let chunk = UnsafeBufferPointer(rebasing: ids[start..<end])
                let hash = ChunkCache.hash(chunk)
                if cache.appendCached(chunk, hash: hash, to: &out) { return }
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: chunk)
                applyMerges(&scratch)
                cache.insert(chunk, hash: hash, merged: scratch)
                out.append(contentsOf: scratch)
            }
        }
        return out
    }
}

/// Merged form of the chunks already seen in one `encode` call, stored flat to avoid one array per entry.
/// Keyed by a 64-bit FNV-1a hash of the chunk's base ids and verified against the stored ids, so a hash
/// collision costs a recomputation, never a wrong answer. An open-addressing table (linear probing) replaces
/// `Dictionary`, whose per-lookup hashing dominated encoding time.
struct ChunkCache {
    private struct Entry {
        var hash: UInt64
        var keyStart: Int
        var keyCount: Int
        var valueStart: Int
        var valueCount: Int
    }

    private var entries: [Entry] = []
    /// Entry index + 1 per slot, 0 = empty; the capacity is a power of two.
    private var slots = [Int32](repeating: 0, count: 1024)
    private var keys: [Int32] = []
    private var values: [Int32] = []

    @inline(__always)
    static func hash(_ chunk: UnsafeBufferPointer<Int32>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for id in chunk { h = (h ^ UInt64(UInt32(bitPattern: id))) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 29)
    }

    /// The entry stored for `hash`, if any.
    @inline(__always)
    private func find(_ hash: UInt64) -> Int? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let stored = Int(slots[slot])
            if stored == 0 { return nil }
            if entries[stored - 1].hash == hash { return stored - 1 }
            slot = (slot + 1) & mask
        }
    }

    /// Appends the merged form of `chunk` to `out` if cached; returns whether it was.
    func appendCached(_ chunk: UnsafeBufferPointer<Int32>, hash: UInt64, to out: inout [Int32]) -> Bool {
        guard let index = find(hash) else { return false }
        let entry = entries[index]
        guard entry.keyCount == chunk.count else { return false }
        return keys.withUnsafeBufferPointer { keys in
            for i in 0..<chunk.count where keys[entry.keyStart + i] != chunk[i] { return false }
            values.withUnsafeBufferPointer { values in
                out.append(contentsOf: UnsafeBufferPointer(rebasing: values[entry.valueStart..<(entry.valueStart + entry.valueCount)]))
            }
            return true
        }
    }

    /// Remembers the merged form of `chunk` (the first chunk with a given hash wins).
    mutating func insert(_ chunk: UnsafeBufferPointer<Int32>, hash: UInt64, merged: [Int32]) {
        guard find(hash) == nil else { return }
        entries.append(Entry(hash: hash, keyStart: keys.count, keyCount: chunk.count, valueStart: values.count,
                             valueCount: merged.count))
        keys.append(contentsOf: chunk)
        values.append(contentsOf: merged)
        if entries.count * 2 > slots.count {
            slots = [Int32](repeating: 0, count: slots.count * 2)
            for index in entries.indices { place(index) }
        } else {
            place(entries.count - 1)
        }
    }

    private mutating func place(_ index: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: entries[index].hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(index + 1)
    }
}
