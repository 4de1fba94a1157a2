import LemaCore

extension SpecReader {
    static let sweepKeys = ["grid", "variants"]

    /// Reads `sweep:` into variants: grid points (cartesian product, first key varying slowest), then the explicit
    /// `variants:` list. Without a sweep there is one variant, `default`.
    mutating func readSweep(_ pair: YAMLPair?, params: [ParamDeclaration], paramIndex: [String: Int],
                            overridden: [String: SourceLocation]) -> [VariantSpec] {
        guard let pair else { return [VariantSpec(name: "default", values: [], location: SourceLocation(file: fileName, line: 1, column: 1))] }
        guard let entries = pair.value.mapping, !entries.isEmpty else {
            diagnostics.error(pair.value.location, "expected a mapping with 'grid' and/or 'variants' for 'sweep', got \(pair.value.shortDescription)")
            return []
        }
        var variants: [VariantSpec] = []
        for entry in entries {
            switch entry.key {
            case "grid": variants += readGrid(entry, paramIndex: paramIndex, overridden: overridden)
            case "variants": variants += readExplicitVariants(entry, paramIndex: paramIndex, overridden: overridden)
            default:
                diagnostics.error(entry.keyLocation, "unknown key '\(SpecLimits.shown(entry.key))' in 'sweep'"
                                  + Suggestions.hint(for: entry.key, in: Self.sweepKeys, orList: true))
            }
        }
        guard variants.count <= SpecLimits.maxVariants else {
            diagnostics.error(pair.keyLocation, "the sweep makes \(variants.count) variants, more than the limit of \(SpecLimits.maxVariants)")
            return []
        }
        var names: [String: SourceLocation] = [:]
        for variant in variants {
            if variant.name.unicodeScalars.count > SpecLimits.maxVariantNameLength {
                diagnostics.error(variant.location, "variant name '\(SpecLimits.shown(variant.name, limit: 40))' is \(variant.name.unicodeScalars.count) characters long, more than the limit of \(SpecLimits.maxVariantNameLength): sweep shorter values, or list the variant under 'variants:' with a short 'name:'")
                continue
            }
            if let first = names[variant.name] {
                diagnostics.error(variant.location,
                                  "duplicate variant '\(SpecLimits.shown(variant.name))' (same as the variant at line \(first.line), column \(first.column))")
            } else {
                names[variant.name] = variant.location
            }
        }
        return variants
    }

    /// Checks that a sweep key names a declared, non-overridden parameter.
    private mutating func checkSweptParam(_ key: String, at location: SourceLocation, paramIndex: [String: Int],
                                          overridden: [String: SourceLocation], where context: String) -> Bool {
        guard paramIndex[key] != nil else {
            diagnostics.error(location, "\(context) sets '\(SpecLimits.shown(key))', which is not declared under 'params'"
                              + Suggestions.hint(for: key, in: paramIndex.keys.sorted(), orElse: " (sweeps may only set declared parameters)"))
            return false
        }
        if let setAt = overridden[key] {
            diagnostics.error(setAt, "--set overrides '\(key)', which the sweep varies (\(location.file):\(location.line):\(location.column)); remove it from the sweep or drop the --set")
            return false
        }
        return true
    }

    private mutating func readGrid(_ pair: YAMLPair, paramIndex: [String: Int],
                                   overridden: [String: SourceLocation]) -> [VariantSpec] {
        guard let axes = pair.value.mapping, !axes.isEmpty else {
            diagnostics.error(pair.value.location, "expected a mapping from parameter to a list of values for 'grid', got \(pair.value.shortDescription)")
            return []
        }
        var columns: [(name: String, values: [JSONValue])] = []
        var ok = true
        var total = 1
        for axis in axes {
            guard checkSweptParam(axis.key, at: axis.keyLocation, paramIndex: paramIndex, overridden: overridden,
                                  where: "sweep grid") else { ok = false; continue }
            guard let items = axis.value.sequence else {
                diagnostics.error(axis.value.location, "expected a list of values for '\(axis.key)' in the sweep grid, got \(axis.value.shortDescription) (write [\(SpecLimits.shown(axis.value.scalar?.text ?? "…"))] for one value)")
                ok = false
                continue
            }
            guard !items.isEmpty else {
                diagnostics.error(axis.value.location, "empty list of values for '\(axis.key)' in the sweep grid (it would make no variants)")
                ok = false
                continue
            }
            var values: [JSONValue] = []
            for item in items {
                switch item.jsonValue() {
                case .success(let v): values.append(v)
                case .failure(let d): diagnostics.error(d.location, d.message); ok = false
                }
            }
            total = total.multipliedReportingOverflow(by: values.count).overflow ? Int.max : total * values.count
            columns.append((axis.key, values))
        }
        guard ok else { return [] }
        guard total <= SpecLimits.maxVariants else {
            let shown = total == .max ? "more than \(Int.max)" : "\(total)"
            diagnostics.error(pair.keyLocation, "the sweep grid makes \(shown) variants, more than the limit of \(SpecLimits.maxVariants)")
            return []
        }
        // Every grid point lists every axis: bounded like the rest of the sweep's expansion.
        guard total.multipliedReportingOverflow(by: columns.count).partialValue <= SpecLimits.maxExpansionSteps,
              !total.multipliedReportingOverflow(by: columns.count).overflow else {
            diagnostics.error(pair.keyLocation, "the sweep grid makes \(total) variants of \(columns.count) values each, more than the limit of \(SpecLimits.maxExpansionSteps) values in all")
            return []
        }
        var variants: [VariantSpec] = []
        variants.reserveCapacity(total)
        var counters = [Int](repeating: 0, count: columns.count)
        for _ in 0..<total {
            let values = columns.indices.map { (columns[$0].name, columns[$0].values[counters[$0]]) }
            variants.append(VariantSpec(name: Self.variantName(values), values: values, location: pair.keyLocation))
            var c = columns.count - 1  // last key varies fastest
            while c >= 0 {
                counters[c] += 1
                if counters[c] < columns[c].values.count { break }
                counters[c] = 0
                c -= 1
            }
        }
        return variants
    }

    private mutating func readExplicitVariants(_ pair: YAMLPair, paramIndex: [String: Int],
                                               overridden: [String: SourceLocation]) -> [VariantSpec] {
        guard let items = pair.value.sequence, !items.isEmpty else {
            diagnostics.error(pair.value.location, "expected a non-empty list of mappings for 'variants', got \(pair.value.shortDescription)")
            return []
        }
        var variants: [VariantSpec] = []
        for item in items {
            guard let entries = item.mapping else {
                diagnostics.error(item.location, "expected a mapping of parameter values (and optional 'name') for a variant, got \(item.shortDescription)")
                continue
            }
            var name: String?
            var values: [(String, JSONValue)] = []
            var ok = true
            for entry in entries {
                if entry.key == "name" {
                    guard let s = entry.value.scalar, !s.isNull, !s.text.isEmpty else {
                        diagnostics.error(entry.value.location, "expected a string for the variant's 'name', got \(entry.value.shortDescription)")
                        ok = false
                        continue
                    }
                    if s.text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                        diagnostics.error(entry.value.location, "invalid variant name \(entry.value.shortDescription): it may not contain control characters (it is shown in tables and logs)")
                        ok = false
                        continue
                    }
                    name = s.text
                    continue
                }
                guard checkSweptParam(entry.key, at: entry.keyLocation, paramIndex: paramIndex, overridden: overridden,
                                      where: "variant") else { ok = false; continue }
                switch entry.value.jsonValue() {
                case .success(let v): values.append((entry.key, v))
                case .failure(let d): diagnostics.error(d.location, d.message); ok = false
                }
            }
            guard ok else { continue }
            if name == nil, values.isEmpty {
                diagnostics.error(item.location, "a variant needs a 'name' or at least one parameter value")
                continue
            }
            variants.append(VariantSpec(name: name ?? Self.variantName(values), values: values, location: item.location))
        }
        return variants
    }

    /// `ratio=0.5,mode=lema`: values in their text form (strings bare, others canonical JSON).
    static func variantName(_ values: [(String, JSONValue)]) -> String {
        values.map { "\($0.0)=\(Interpolation.textForm($0.1))" }.joined(separator: ",")
    }
}

extension Suggestions {
    /// A did-you-mean hint, or (with `orList`) the list of allowed words when nothing is close.
    static func hint(for word: String, in candidates: [String], orList: Bool) -> String {
        hint(for: word, in: candidates, orElse: orList ? " (allowed: \(candidates.joined(separator: ", ")))" : "")
    }

    /// A did-you-mean hint, or `fallback` when nothing is close.
    static func hint(for word: String, in candidates: some Sequence<String>, orElse fallback: String) -> String {
        let h = hint(for: word, in: candidates)
        return h.isEmpty ? fallback : h
    }
}
