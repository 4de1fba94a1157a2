#if !_endian(little)
#error("lema's safetensors code copies tensor memory as-is and assumes a little-endian host")
#endif

/// Element types lema writes to safetensors files (names as in the safetensors spec).
public enum TensorDType: String, Sendable, Codable, CaseIterable {
    /// 32-bit IEEE float.
    case f32 = "F32"
    /// 32-bit signed integer.
    case i32 = "I32"
    /// 64-bit signed integer.
    case i64 = "I64"
    /// 64-bit unsigned integer.
    case u64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f32, .i32: 4
        case .i64, .u64: 8
        }
    }
}

/// The elements of a tensor, row-major.
public enum TensorValues: Sendable {
    /// F32 elements.
    case f32([Float])
    /// I32 elements.
    case i32([Int32])
    /// I64 elements.
    case i64([Int64])
    /// U64 elements.
    case u64([UInt64])

    /// The element type these values are stored as.
    public var dtype: TensorDType {
        switch self {
        case .f32: .f32
        case .i32: .i32
        case .i64: .i64
        case .u64: .u64
        }
    }

    /// Number of elements.
    public var count: Int {
        switch self {
        case .f32(let v): v.count
        case .i32(let v): v.count
        case .i64(let v): v.count
        case .u64(let v): v.count
        }
    }
}

extension TensorValues: Equatable {
    /// Bit-exact equality: floats compare by bit pattern, so NaN payloads and -0.0 count, which is what
    /// "a checkpoint round-trips exactly" means.
    public static func == (a: TensorValues, b: TensorValues) -> Bool {
        switch (a, b) {
        case (.f32(let x), .f32(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern }
        case (.i32(let x), .i32(let y)): x == y
        case (.i64(let x), .i64(let y)): x == y
        case (.u64(let x), .u64(let y)): x == y
        default: false
        }
    }
}

/// A named, shaped tensor as stored in a safetensors file.
public struct NamedTensor: Sendable, Equatable {
    /// The tensor's key in the safetensors header (e.g. `h.0.attn.qkv.weight`).
    public var name: String
    /// Dimensions, outermost first; `[]` is a scalar (one element).
    public var shape: [Int]
    /// The elements, row-major; their count should be the product of `shape`.
    public var values: TensorValues

    /// A tensor from its parts; shape and count are checked when the file is written.
    public init(name: String, shape: [Int], values: TensorValues) {
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// A float tensor.
    public init(name: String, shape: [Int], floats: [Float]) {
        self.init(name: name, shape: shape, values: .f32(floats))
    }

    /// The element type of `values`.
    public var dtype: TensorDType { values.dtype }

    /// The float elements, or nil if the tensor is not F32.
    public var floats: [Float]? {
        if case .f32(let v) = values { v } else { nil }
    }

    /// Number of elements the shape describes, nil for a negative dimension or an overflowing product.
    static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            guard dim >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}
