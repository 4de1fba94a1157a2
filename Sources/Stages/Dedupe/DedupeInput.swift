import Foundation
import LemaCore
import StageAPI

/// Pulls the compared field texts out of JSONL records.
enum DedupeInput {
    /// Per record, the texts of `fields` in order: strings as they are, other values as their canonical JSON text,
    /// missing or null keys as "". Fails on the first (by line) record that is not a JSON object, and when a field
    /// occurs in no record at all (almost surely a typo).
    static func fieldTexts(_ lines: [JSONLine], fields: [String], threads: Int, stage: String) throws -> [[String]] {
        let n = lines.count
        let texts = SharedSlots<[String]>(repeating: [], count: n)
        let failures = SharedSlots<String?>(repeating: nil, count: n)
        let present = SharedSlots<UInt8>(repeating: 0, count: n * fields.count)  // (N, F) 1 where the key exists

        ChunkedWork.forEachChunk(count: n, threads: threads) { range in
            for j in range {
                do {
                    let object = try lines[j].object()
                    texts[j] = fields.enumerated().map { f, key in
                        guard let value = object[key] else { return "" }
                        present[j * fields.count + f] = 1
                        switch value {
                        case .null: return ""
                        case .string(let s): return s
                        default: return value.canonicalText
                        }
                    }
                } catch {
                    failures[j] = "\(error)"
                }
            }
        }
        if let first = failures.toArray().lazy.compactMap({ $0 }).first {
            throw StageFailure("stage '\(stage)': \(first)", retryable: false)
        }
        if n > 0 {
            let flags = present.toArray()
            for (f, key) in fields.enumerated() where !(0..<n).contains(where: { flags[$0 * fields.count + f] != 0 }) {
                var keys = Set<String>()
                if let sample = try? lines[0].object() { keys.formUnion(sample.keys) }
                let known = keys.sorted().joined(separator: ", ")
                throw StageFailure("stage '\(stage)': field '\(key)' occurs in none of the \(n) records of \(lines[0].file.path) (the first record has: \(known)); fix 'fields'",
                                   retryable: false)
            }
        }
        return texts.toArray()
    }
}
