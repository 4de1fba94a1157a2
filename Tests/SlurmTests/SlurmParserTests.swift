import Testing
@testable import Slurm

/// Output recorded from the one-node cluster of scripts/slurm-cluster.sh (Slurm 22.05.8), verbatim.
enum Recorded {
    /// `squeue --noheader --states=all --format='%i|%T|%r|%N|%M|%j'`: a two-core node with a running 2-core job, one
    /// waiting for cores, two queued behind it (one with the delimiter in its name), and a cancelled job.
    static let squeue = """
    13|CANCELLED|Resources||0:00|lema.smoke.sample-0b1c2d3e.1
    14|PENDING|Priority||0:00|name with|pipe
    15|PENDING|Priority||0:00|fails
    12|RUNNING|None|vm|0:03|lema.smoke.train-3fa2c1d0.1
    11|TIMEOUT|TimeLimit|vm|1:06|tl
    16|PENDING|Resources||0:00|lema.smoke.sample-0b1c2d3e.1
    4|FAILED|BadConstraints||0:00|wrap
    """

    /// The completion log (jobcomp/filetxt): a node failure, a name with a space, a non-zero exit, a time limit, a
    /// cancel, a job refused after submission, and the requeued job's second record.
    static let jobcomp = """
    JobId=12 UserId=root(0) GroupId=root(0) Name=lema.smoke.train-3fa2c1d0.1 JobState=NODE_FAIL Partition=debug TimeLimit=UNLIMITED StartTime=2026-12-07T18:22:45 EndTime=2026-12-07T18:22:48 NodeList=vm NodeCnt=1 ProcCnt=2 WorkDir=/tmp/sx ReservationName= Tres=cpu=2,mem=2G,node=1,billing=2 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-12-07T18:22:45 EligibleTime=2026-12-07T18:22:45 DerivedExitCode=0:0 ExitCode=0:0 
    JobId=14 UserId=root(0) GroupId=root(0) Name=name with|pipe JobState=COMPLETED Partition=debug TimeLimit=UNLIMITED StartTime=2026-12-07T18:22:48 EndTime=2026-12-07T18:22:53 NodeList=vm NodeCnt=1 ProcCnt=2 WorkDir=/tmp/sx ReservationName= Tres=cpu=2,mem=2G,node=1,billing=2 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-12-07T18:22:45 EligibleTime=2026-12-07T18:22:45 DerivedExitCode=0:0 ExitCode=0:0 
    JobId=15 UserId=root(0) GroupId=root(0) Name=fails JobState=FAILED Partition=debug TimeLimit=UNLIMITED StartTime=2026-12-07T18:22:54 EndTime=2026-12-07T18:22:54 NodeList=vm NodeCnt=1 ProcCnt=1 WorkDir=/tmp/sx ReservationName= Tres=cpu=1,mem=1G,node=1,billing=1 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-12-07T18:22:45 EligibleTime=2026-12-07T18:22:45 DerivedExitCode=0:0 ExitCode=7:0 
    JobId=11 UserId=root(0) GroupId=root(0) Name=tl JobState=TIMEOUT Partition=debug TimeLimit=1 StartTime=2026-12-07T18:19:42 EndTime=2026-12-07T18:20:48 NodeList=vm NodeCnt=1 ProcCnt=1 WorkDir=/tmp/sx ReservationName= Tres=cpu=1,mem=1G,node=1,billing=1 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-12-07T18:19:41 EligibleTime=2026-12-07T18:19:41 DerivedExitCode=0:0 ExitCode=0:0 
    JobId=13 UserId=root(0) GroupId=root(0) Name=lema.smoke.sample-0b1c2d3e.1 JobState=CANCELLED Partition=debug TimeLimit=UNLIMITED StartTime=2026-12-07T18:22:47 EndTime=2026-12-07T18:22:47 NodeList=(null) NodeCnt=0 ProcCnt=0 WorkDir=/tmp/sx ReservationName= Tres=cpu=2,mem=2G,node=1,billing=2 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-12-07T18:22:45 EligibleTime=2026-12-07T18:22:45 DerivedExitCode=0:0 ExitCode=0:0 
    JobId=4 UserId=root(0) GroupId=root(0) Name=wrap JobState=FAILED Partition=debug TimeLimit=UNLIMITED StartTime=2026-12-07T18:09:20 EndTime=2026-12-07T18:09:20 NodeList=(null) NodeCnt=0 ProcCnt=0 WorkDir=/tmp/sx ReservationName= Tres=cpu=1,mem=1G,node=1,billing=1 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-12-07T18:09:20 EligibleTime=2026-12-07T18:09:20 DerivedExitCode=0:0 ExitCode=0:1 
    JobId=12 UserId=root(0) GroupId=root(0) Name=lema.smoke.train-3fa2c1d0.1 JobState=CANCELLED Partition=debug TimeLimit=UNLIMITED StartTime=2026-12-07T18:24:17 EndTime=2026-12-07T18:24:17 NodeList=(null) NodeCnt=0 ProcCnt=0 WorkDir=/tmp/sx ReservationName= Tres=cpu=2,mem=2G,node=1,billing=2 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-12-07T18:22:48 EligibleTime=2026-12-07T18:24:49 DerivedExitCode=0:0 ExitCode=0:0 
    """

    /// `scontrol show config` (excerpt, verbatim lines).
    static let config = """
    Configuration data as of 2026-12-07T18:23:16
    AccountingStorageBackupHost = (null)
    AccountingStorageEnforce = none
    AccountingStorageHost   = localhost
    AccountingStorageTRES   = cpu,mem,energy,node,billing,fs/disk,vmem,pages
    AccountingStorageType   = accounting_storage/none
    JobCompHost             = localhost
    JobCompLoc              = /tmp/lema-slurm/log/jobcomp.log
    JobCompPort             = 0
    JobCompType             = jobcomp/filetxt
    MinJobAge               = 300 sec
    """

    /// sbatch's refusals (stderr, status 1).
    static let refusedGPUs = """
    sbatch: error: Batch job submission failed: Requested node configuration is not available

    """
    static let refusedPartition = """
    sbatch: error: invalid partition specified: nope
    sbatch: error: Batch job submission failed: Invalid partition name specified

    """
}

@Suite("Slurm output parsers")
struct SlurmParserTests {
    @Test("squeue: every job with its state, reason, node, elapsed time and name")
    func squeue() throws {
        let jobs = try SqueueParser.parse(Recorded.squeue)
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.id, $0) })
        #expect(jobs.count == 7)
        #expect(byID["12"]?.state == .running(node: "vm"))
        #expect(byID["12"]?.elapsedSeconds == 3)
        #expect(byID["12"]?.name == "lema.smoke.train-3fa2c1d0.1")
        #expect(byID["16"]?.state == .pending(reason: "Resources"))
        #expect(byID["15"]?.state == .pending(reason: "Priority"))
        #expect(byID["14"]?.name == "name with|pipe")
        #expect(byID["13"]?.state == .cancelled(by: nil))
        #expect(byID["11"]?.state == .timeout)
        #expect(byID["11"]?.elapsedSeconds == 66)
        #expect(byID["4"]?.state == .failed(exitCode: nil, signal: nil, reason: "BadConstraints"))
    }

    @Test("squeue: a line in another format is an error, not a silently dropped job")
    func squeueMalformed() throws {
        #expect(throws: SlurmError.self) { try SqueueParser.parse("12 RUNNING vm\n") }
        #expect(try SqueueParser.parse("\n").isEmpty)
    }

    @Test("completion log: key=value pairs, names with spaces, last record of a requeued job wins")
    func jobcomp() {
        let records = JobCompLog.parse(Recorded.jobcomp)
        #expect(records["12"]?.state == .cancelled(by: nil))  // NODE_FAIL, requeued, then cancelled
        #expect(records["14"]?.name == "name with|pipe")
        #expect(records["14"]?.state == .completed)
        #expect(records["15"]?.state == .failed(exitCode: 7, signal: nil, reason: ""))
        #expect(records["11"]?.state == .timeout)
        #expect(records["13"]?.state == .cancelled(by: nil))
        #expect(records["4"]?.state == .failed(exitCode: 0, signal: 1, reason: ""))
        let first = JobCompLog.fields(Recorded.jobcomp.split(separator: "\n")[0])
        #expect(first["JobState"] == "NODE_FAIL")
        #expect(first["NodeList"] == "vm")
        #expect(first["Tres"] == "cpu=2,mem=2G,node=1,billing=2")
        #expect(first["ReservationName"] == "")
    }

    @Test("sacct: parsable2 lines with 'CANCELLED by uid' and code:signal exit codes")
    func sacct() throws {
        // sacct needs slurmdbd, which the test cluster does not run: these lines follow sacct's documented
        // --parsable2 output for --format=JobIDRaw,State,ExitCode,NodeList,Elapsed,JobName.
        let text = """
        101|COMPLETED|0:0|vm|00:00:05|lema.smoke.gen-0a1b2c3d.1
        102|CANCELLED by 0|0:15|vm|00:01:02|lema.smoke.train-3fa2c1d0.1
        103|OUT_OF_MEMORY|0:125|vm|00:00:09|oom
        104|FAILED|2:0|vm|1-00:00:01|two
        105|PENDING|0:0|None assigned|00:00:00|queued
        """
        let jobs = Dictionary(uniqueKeysWithValues: try SacctParser.parse(text).map { ($0.id, $0) })
        #expect(jobs["101"]?.state == .completed)
        #expect(jobs["102"]?.state == .cancelled(by: "0"))
        #expect(jobs["103"]?.state == .outOfMemory)
        #expect(jobs["104"]?.state == .failed(exitCode: 2, signal: nil, reason: ""))
        #expect(jobs["104"]?.elapsedSeconds == 86_401)
        #expect(jobs["105"]?.state == .pending(reason: "None"))
        #expect(throws: SlurmError.self) { try SacctParser.parse("101|COMPLETED\n") }
    }

    @Test("scontrol show config: accounting off, completion log path, MinJobAge")
    func config() {
        let c = SlurmConfiguration(parsing: Recorded.config)
        #expect(c.hasAccounting == false)
        #expect(c.jobCompletionLog == "/tmp/lema-slurm/log/jobcomp.log")
        #expect(c.minJobAge == 300)
        let withDB = SlurmConfiguration(parsing: "AccountingStorageType   = accounting_storage/slurmdbd\nJobCompType = jobcomp/none\n")
        #expect(withDB.hasAccounting)
        #expect(withDB.jobCompletionLog == nil)
    }

    @Test("Slurm durations both ways", arguments: [
        ("0:00", 0), ("0:03", 3), ("1:06", 66), ("5", 300), ("1:02:03", 3723), ("2-00", 172_800),
        ("1-02:03", 93_780), ("1-02:03:04", 93_784),
    ])
    func durations(text: String, seconds: Int) {
        #expect(SlurmTime.seconds(text) == seconds)
    }

    @Test("Malformed or unlimited durations are nil", arguments: ["UNLIMITED", "", "1:2:3:4", "a:00", "-1", "1-", "1:-5"])
    func badDurations(text: String) {
        #expect(SlurmTime.seconds(text) == nil)
    }

    @Test("--time values round up to whole seconds")
    func formatDuration() {
        #expect(SlurmTime.format(seconds: 90) == "00:01:30")
        #expect(SlurmTime.format(seconds: 0.2) == "00:00:01")
        #expect(SlurmTime.format(seconds: 86_400 + 3723) == "1-01:02:03")
        #expect(SlurmTime.seconds(SlurmTime.format(seconds: 200_000)) == 200_000)
    }

    @Test("Memory sizes in MiB", arguments: [
        ("512", 512), ("512M", 512), ("4G", 4096), ("4g", 4096), ("1.5G", 1536), ("1T", 1_048_576), ("2048K", 2),
    ])
    func memory(text: String, mib: Int) {
        #expect(SlurmTime.mebibytes(text) == mib)
    }

    @Test("Bad memory sizes are nil", arguments: ["", "0", "-1G", "4GB", "4GiB", "lots", "G"])
    func badMemory(text: String) {
        #expect(SlurmTime.mebibytes(text) == nil)
    }
}
