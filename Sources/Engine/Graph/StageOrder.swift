/// Stage-level ordering: a topological order (ties by spec order) and cycle reports.
enum StageOrder {
    /// Stage indices, parents before children, the earliest-written ready stage first. Nil when there is a cycle;
    /// each group of stages reading each other is reported once, listing a cycle's members in data-flow order
    /// starting at the group's earliest-written stage.
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

    /// Reports one cycle per group of stages that read each other (a strongly connected component with more than
    /// one stage, or a stage reading itself): the shortest cycle through the group's earliest-written stage.
    /// Stages only downstream of a cycle are not reported. Linear in stages and edges, however they are wired.
    private static func reportCycles(_ stages: [StageSpec], remaining: Set<Int>, children: [[Int]],
                                     diagnostics: inout DiagnosticCollector) {
        for component in stronglyConnectedComponents(remaining.sorted(), children: children, count: stages.count) {
            guard let start = component.min() else { continue }
            let group = Set(component)
            guard group.count > 1 || children[start].contains(start) else { continue }
            // Breadth-first search from `start` along data-flow edges inside the group, back to `start`.
            var previous: [Int: Int] = [:]
            var queue = [start]
            var head = 0
            search: while head < queue.count {
                let u = queue[head]
                head += 1
                for c in children[u] where group.contains(c) {
                    if c == start { previous[start] = u; break search }
                    if previous[c] == nil { previous[c] = u; queue.append(c) }
                }
            }
            guard var cursor = previous[start] else { continue }
            var members = [start]
            while cursor != start, let next = previous[cursor] {
                members.append(cursor)
                cursor = next
            }
            members = [start] + members.dropFirst().reversed()
            let path = (members + [start]).map { stages[$0].name }.joined(separator: " → ")
            diagnostics.error(stages[start].location, "dependency cycle: \(SpecLimits.shown(path, limit: 400))")
        }
    }

    /// Tarjan's algorithm without recursion (a chain of 100,000 stages must not exhaust the stack), restricted to
    /// `nodes`. Components come out in reverse topological order.
    static func stronglyConnectedComponents(_ nodes: [Int], children: [[Int]], count: Int) -> [[Int]] {
        var inSet = [Bool](repeating: false, count: count)
        for v in nodes { inSet[v] = true }
        var index = [Int](repeating: -1, count: count)
        var low = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var work: [(node: Int, next: Int)] = []
        var counter = 0
        var components: [[Int]] = []
        func visit(_ v: Int) {
            index[v] = counter
            low[v] = counter
            counter += 1
            stack.append(v)
            onStack[v] = true
            work.append((v, 0))
        }
        for root in nodes where index[root] < 0 {
            visit(root)
            while let (v, i) = work.last {
                if i < children[v].count {
                    work[work.count - 1].next = i + 1
                    let w = children[v][i]
                    guard inSet[w] else { continue }
                    if index[w] < 0 { visit(w) } else if onStack[w] { low[v] = min(low[v], index[w]) }
                    continue
                }
                work.removeLast()
                if let parent = work.last?.node { low[parent] = min(low[parent], low[v]) }
                guard low[v] == index[v] else { continue }
                var component: [Int] = []
                while let w = stack.popLast() {
                    onStack[w] = false
                    component.append(w)
                    if w == v { break }
                }
                components.append(component)
            }
        }
        return components
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
