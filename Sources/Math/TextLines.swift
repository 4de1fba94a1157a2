import Foundation
import LemaCore

/// Line splitting on the `\n` scalar. Splitting a `String` by the `Character` "\n" would not split Windows line
/// ends, because `\r\n` is a single `Character`.
enum TextLines {
    static func split(_ text: String) -> [Substring] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { Substring($0) }
    }

    static func droppingCarriageReturn(_ line: Substring) -> Substring {
        line.unicodeScalars.last == "\r" ? Substring(line.unicodeScalars.dropLast()) : line
    }
}

/// A line-level problem message, attached to file and line by the caller (the shared JSON Lines reader's type).
typealias LineProblem = JSONLineProblem
