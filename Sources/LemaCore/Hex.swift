/// Lower-case hexadecimal text of bytes: the one spelling of digests (fingerprints, request-cache keys, checkpoint
/// checksums) across lema.
public enum Hex {
    /// Two lower-case hex digits per byte, in order (`[0x0f, 0xa0]` → `"0fa0"`).
    public static func string<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)
}
