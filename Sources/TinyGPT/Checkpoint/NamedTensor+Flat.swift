extension NamedTensor {
    /// One named tensor per layout entry, sliced out of a flat parameter buffer (models keep all parameters in
    /// one contiguous buffer; checkpoints name them). `layout` ranges index into `flat`.
    public static func slices(of flat: [Float],
                              layout: [(name: String, shape: [Int], range: Range<Int>)]) -> [NamedTensor] {
        layout.map { NamedTensor(name: $0.name, shape: $0.shape, floats: Array(flat[$0.range])) }
    }

    /// The inverse of `slices`: a flat buffer of `count` floats filled from tensors that must match the layout by
    /// name and shape (order free). `file` names the checkpoint in errors.
    public static func flatten(_ tensors: [NamedTensor], layout: [(name: String, shape: [Int], range: Range<Int>)],
                               count: Int, file: String) throws(CheckpointError) -> [Float] {
        var byName: [String: NamedTensor] = [:]
        for tensor in tensors { byName[tensor.name] = tensor }
        var flat = [Float](repeating: 0, count: count)
        for entry in layout {
            guard let tensor = byName[entry.name] else {
                throw CheckpointError(file: file, problem: .missingTensor(entry.name))
            }
            guard tensor.shape == entry.shape, let values = tensor.floats, values.count == entry.range.count,
                  entry.range.lowerBound >= 0, entry.range.upperBound <= count else {
                throw CheckpointError(file: file, problem: .invalidTensor(
                    name: entry.name, reason: "expected F32 \(entry.shape) for this model, found \(tensor.dtype.rawValue) "
                        + "\(tensor.shape); the checkpoint belongs to a different model config"))
            }
            flat.replaceSubrange(entry.range, with: values)
        }
        return flat
    }
}
