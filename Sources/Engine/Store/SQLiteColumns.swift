import Foundation

/// The columns of one SELECT, named: an enum whose cases are the selected columns in order (raw value = position)
/// and whose `sqlName` is the column's name in the table. The SELECT list is built from the cases, so reading a
/// column by its case can never drift from the list when a column is added or moved.
protocol SQLColumns: RawRepresentable<Int32>, CaseIterable {
    var sqlName: String { get }
}

extension SQLColumns {
    /// `a, b, c` for a SELECT, in case order.
    static var selectList: String { allCases.map(\.sqlName).joined(separator: ", ") }
}

/// Reads of a row by named column.
extension SQLiteStatement {
    func isNull<C: SQLColumns>(_ column: C) -> Bool { isNull(column.rawValue) }
    func int64<C: SQLColumns>(_ column: C) -> Int64 { int64(column.rawValue) }
    func int<C: SQLColumns>(_ column: C) -> Int { int(column.rawValue) }
    func double<C: SQLColumns>(_ column: C) -> Double { double(column.rawValue) }
    func text<C: SQLColumns>(_ column: C) -> String { text(column.rawValue) }
    func optionalText<C: SQLColumns>(_ column: C) -> String? { optionalText(column.rawValue) }
    func optionalInt<C: SQLColumns>(_ column: C) -> Int? { optionalInt(column.rawValue) }
    func optionalDate<C: SQLColumns>(_ column: C) -> Date? { optionalDate(column.rawValue) }
}
