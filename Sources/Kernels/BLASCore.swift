#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS picks its CPU kernel once, when the library loads, from OPENBLAS_CORETYPE or its own CPU detection.
/// OpenBLAS 0.3.21 (Debian 12) does not know AMD Zen 5 and falls back to "Prescott" (SSE3), about 4× slower than
/// its AVX-512 kernel on this machine. A different kernel needs a fresh process, so executables ask
/// `BLAS.missingEnvironment()` first thing in `main` and re-execute themselves with it.
extension BLAS {
    /// The kernel family to request for this CPU: "Haswell" with AVX2+FMA, else nil. SkylakeX (AVX-512) would be
    /// faster, but OpenBLAS builds older than the CPU (0.3.21 on Zen 5 here) are known to compute wrong results or
    /// crash with kernels they did not select themselves; Haswell is the one known to be right on such machines.
    public static func suitableCoreType() -> String? {
        #if os(Linux)
        guard let flags = cpuFlags() else { return nil }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        #endif
        return nil
    }

    /// The fastest kernel family checked on this CPU family, for benchmarks: "SkylakeX" (AVX-512) on Intel CPUs
    /// with AVX-512 F/BW/DQ/VL — on Intel Xeons the Kernels and TinyGPT suites (fast kernels against the naive
    /// oracles, whole-model gradients, bit-identity checks) pass with it, and it trains faster than Haswell (figures
    /// in docs/operations.md) — else `suitableCoreType()` (AMD keeps Haswell: see above).
    /// Tests and the CLI keep the environment's choice.
    public static func fastestCheckedCoreType() -> String? {
        #if os(Linux)
        if let flags = cpuFlags(), cpuInfoField("vendor_id") == "GenuineIntel",
            ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy({ flags.contains(Substring($0)) })
        {
            return "SkylakeX"
        }
        #endif
        return suitableCoreType()
    }

    /// The environment OpenBLAS should have been loaded with, as the settings this process lacks (empty: none).
    /// OpenBLAS reads its environment only when it loads, so applying them takes a fresh process — the executable's
    /// decision (`lema` re-executes itself first thing in `main`), never a library's. The settings:
    /// `OPENBLAS_NUM_THREADS=1` when unset (the kernels share GEMM blocks over their own threads, and an idle
    /// OpenBLAS pool spins in sched_yield, stealing a core from everything else), and `OPENBLAS_CORETYPE` when unset
    /// and OpenBLAS fell back to a generic SSE kernel (`preferred` overrides the choice). Explicit settings are kept.
    public static func missingEnvironment(preferred: String? = nil) -> [(name: String, value: String)] {
        #if os(Linux)
        var missing: [(name: String, value: String)] = []
        if getenv("OPENBLAS_NUM_THREADS") == nil { missing.append(("OPENBLAS_NUM_THREADS", "1")) }
        let current = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        let want: String?
        if let preferred {
            want = preferred == current ? nil : preferred
        } else if current == nil, ["Prescott", "Core2", "Nehalem", "Sandybridge", "Katmai"].contains(coreName) {
            want = suitableCoreType()
        } else {
            want = nil
        }
        if let want { missing.append(("OPENBLAS_CORETYPE", want)) }
        return missing
        #else
        return []
        #endif
    }

    #if os(Linux)
    static func cpuFlags() -> Set<Substring>? {
        guard let line = cpuInfoField("flags") else { return nil }
        return Set(line.split(separator: " "))
    }

    /// The value of the first "name : value" line of /proc/cpuinfo, trimmed.
    static func cpuInfoField(_ name: String) -> String? {
        guard let f = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(f) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var cap = 0
        defer { free(line) }
        while getline(&line, &cap, f) > 0 {
            guard let line else { break }
            let s = String(cString: line)
            guard s.hasPrefix(name), let colon = s.firstIndex(of: ":") else { continue }
            func trimmed(_ x: Substring) -> String {
                String(x.drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
            }
            if trimmed(s[..<colon]) != name { continue }
            return trimmed(s[s.index(after: colon)...])
        }
        return nil
    }
    #endif
}
