import Slurm

extension StageResolver {
    /// Where a stage runs and what its jobs ask for, for one variant: its `resources:` over its `executor:` over the
    /// top-level `executor:`. Nil after reporting a problem. Never part of the fingerprint.
    mutating func execution(of stage: StageSpec, threads: Int, value: (YAMLPair) -> YAMLNode) -> NodeExecution? {
        var ok = true
        var own = ExecutorSpec()
        if let pair = stage.executor {
            if let spec = ExecutorReader.executor(value(pair), stage: stage.name, diagnostics: &checker.diagnostics) {
                own = spec
            } else {
                ok = false
            }
        }
        var resources = JobResources()
        if let pair = stage.resources {
            if let r = ExecutorReader.resources(value(pair), stage: stage.name, diagnostics: &checker.diagnostics) {
                resources = r
            } else {
                ok = false
            }
        }
        guard ok else { return nil }
        let run = runExecutor
        resources.cpus = resources.cpus ?? threads
        resources.partition = resources.partition ?? own.partition ?? run.partition
        resources.account = resources.account ?? own.account ?? run.account
        resources.qos = resources.qos ?? own.qos ?? run.qos
        resources.extraArgs = run.extraArgs + own.extraArgs + resources.extraArgs
        return NodeExecution(executor: own.kind ?? run.kind ?? .local, resources: resources)
    }
}
