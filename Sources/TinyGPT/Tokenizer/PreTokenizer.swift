/// Splits a sequence of base ids (one per scalar) into chunks ("pre-tokens"); BPE merges never cross a chunk
/// boundary. The rules, in the spirit of GPT-2's pre-tokenizer but written for math text:
///
/// - every digit is a chunk of its own, so no merge can ever contain a digit ("128" is always "1","2","8");
/// - a maximal run of letters is a chunk, and so is a maximal run of other symbols (punctuation, operators);
///   a single space directly before such a run belongs to it (" apples", " =");
/// - other spaces, and runs of newlines/tabs, form chunks of their own.
enum SymbolClass: UInt8, Sendable {
    case letter, digit, space, lineBreak, symbol

    /// The class of a scalar. Unknown scalars (unk) count as symbols.
    init(_ scalar: Unicode.Scalar?) {
        guard let scalar else { self = .symbol; return }
        if scalar == " " {
            self = .space
        } else if scalar.properties.numericType == .decimal {
            self = .digit
        } else if scalar.properties.isAlphabetic {
            self = .letter
        } else if scalar.properties.isWhitespace {
            self = .lineBreak
        } else {
            self = .symbol
        }
    }
}

struct PreTokenizer: Sendable, Equatable {
    /// Class of every base id (specials and unk: `.symbol`).
    let classes: [SymbolClass]

    init(alphabet: ScalarAlphabet) {
        var classes = [SymbolClass](repeating: .symbol, count: alphabet.idCount)
        for id in SpecialTokens.count..<alphabet.idCount { classes[id] = SymbolClass(alphabet.scalar(of: Int32(id))) }
        self.classes = classes
    }

    @inline(__always)
    private func classOf(_ id: Int32) -> SymbolClass {
        let i = Int(id)
        return i >= 0 && i < classes.count ? classes[i] : .symbol
    }

    /// The end (exclusive) of the chunk starting at `start`.
    @inline(__always)
    func chunkEnd(_ ids: UnsafeBufferPointer<Int32>, from start: Int) -> Int {
        let n = ids.count
        let first = classOf(ids[start])
        switch first {
        case .digit:
            return start + 1
        case .letter, .symbol, .lineBreak:
            return runEnd(ids, from: start + 1, of: first)
        case .space:
            let spacesEnd = runEnd(ids, from: start + 1, of: .space)
            guard spacesEnd < n else { return spacesEnd }
            let next = classOf(ids[spacesEnd])
            guard next == .letter || next == .symbol else { return spacesEnd }
            // The last space prefixes the following run; any spaces before it are a chunk of their own.
            if spacesEnd - start > 1 { return spacesEnd - 1 }
            return runEnd(ids, from: spacesEnd + 1, of: next)
        }
    }

    @inline(__always)
    private func runEnd(_ ids: UnsafeBufferPointer<Int32>, from start: Int, of cls: SymbolClass) -> Int {
        var i = start
        while i < ids.count && classOf(ids[i]) == cls { i += 1 }
        return i
    }

    /// Calls `body` with the bounds of every chunk of `ids`, in order.
    func forEachChunk(_ ids: UnsafeBufferPointer<Int32>, _ body: (Int, Int) -> Void) {
        var start = 0
        while start < ids.count {
            let end = chunkEnd(ids, from: start)
            body(start, end)
            start = end
        }
    }
}
