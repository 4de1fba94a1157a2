/// Stage-level ordering: a topological order (ties by spec order) and cycle reports.
enum StageOrder {
    /// Stage indices, parents before children, the earliest-written ready stage first. Nil when there is a cycle;
    /// each cycle is reported once, listing its members in data-flow order starting at its earliest-written stage.
    static func topological(_ stages: [StageSpec], diagnostics: inout DiagnosticCollector) -> [Int]? {
        let n = stages.count
        var indegree = [Int](repeating: 0, count: n)
        var children = [[Int]](repeating: [], count: n)
        for (i, stage) in stages.enumerated() {
            for d in stage.dependencies {
                indegree[i] += 1
                children[d].append(i)
            }
        }
        var ready = MinHeap()
        for i in 0..<n where indegree[i] == 0 { ready.push(i) }
        var order: [Int] = []
        order.reserveCapacity(n)
        while let i = ready.pop() {
            order.append(i)
            for c in children[i] {
                indegree[c] -= 1
                if indegree[c] == 0 { ready.push(c) }
            }
        }
        if order.count == n { return order }
        reportCycles(stages, remaining: Set((0..<n).filter { indegree[$0] > 0 }), children: children, diagnostics: &diagnostics)
        return nil
    }

    /// Finds, for each group of stages stuck on a cycle, the shortest cycle through its earliest-written member.
    private static func reportCycles(_ stages: [StageSpec], remaining: Set<Int>, children: [[Int]],
                                     diagnostics: inout DiagnosticCollector) {
        var reported = Set<Int>()
        for start in remaining.sorted() where !reported.contains(start) {
            // Breadth-first search from `start` along data-flow edges back to `start`.
            var previous: [Int: Int] = [:]
            var queue = [start]
            var head = 0
            var found = false
            search: while head < queue.count {
                let u = queue[head]
                head += 1
                for c in children[u] where remaining.contains(c) {
                    if c == start { previous[start] = u; found = true; break search }
                    if previous[c] == nil { previous[c] = u; queue.append(c) }
                }
            }
            guard found, var cursor = previous[start] else { continue }  // downstream of a cycle, not on one
            var members = [start]
            while cursor != start, let next = previous[cursor] {
                members.append(cursor)
                cursor = next
            }
            members = [start] + members.dropFirst().reversed()
            members.forEach { reported.insert($0) }
            // Report each cycle at its earliest-written member.
            let path = (members + [start]).map { stages[$0].name }.joined(separator: " → ")
            diagnostics.error(stages[start].location, "dependency cycle: \(path)")
        }
    }
}

/// A small binary min-heap of stage indices.
struct MinHeap {
    private var items: [Int] = []
    mutating func push(_ x: Int) {
        items.append(x)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            if items[p] <= items[i] { break }
            items.swapAt(p, i)
            i = p
        }
    }
    mutating func pop() -> Int? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l] < items[m] { m = l }
                if r < items.count, items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(m, i)
                i = m
            }
        }
        return first
    }
}
