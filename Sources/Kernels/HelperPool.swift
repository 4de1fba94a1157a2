import CPUHints
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The threads `Parallel` hands chunks to: one fewer than the machine's cores, each of which keeps polling for work
/// for a short while after finishing a chunk before it goes to sleep.
///
/// Why not `DispatchQueue.concurrentPerform`: it wakes a sleeping worker for every call, and a wake-up costs 10–15 µs
/// on this virtual machine, paid on every kernel call. A decode step of L calls ≈ 90 kernels of 10–100 µs each;
/// with a worker still polling, a hand-off costs well under a microsecond.
///
/// Never a source of deadlock or of different results: the caller always works on its own job too and takes any
/// chunk nobody else has taken, so a job finishes even when every helper is busy with another caller's (it then runs
/// on fewer threads); which thread computes a chunk never changes what the chunk computes.
final class HelperPool: Sendable {
    /// Shared by every kernel call in the process; one helper per core beyond the caller's own.
    static let shared = HelperPool(helpers: max(0, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) - 1))

    /// How long a helper keeps polling after its last chunk before it sleeps: long enough to bridge the serial
    /// stretches between kernels of a decode or training step, short enough not to hold a core between steps.
    static let pollNanoseconds: UInt64 = 200_000

    let helpers: [Helper]

    init(helpers count: Int) {
        helpers = (0..<count).map { _ in Helper() }
        for helper in helpers { helper.start() }
    }

    /// Runs `body(i, slot)` for every i in 0..<chunks, each exactly once, on the calling thread (slot 0) and on up to
    /// `min(chunks, threads) − 1` helpers that are free (slots 1, 2, …: no two threads of one call share a slot, so
    /// a slot can pick per-thread scratch memory); returns when all have finished. Each thread takes the next chunk
    /// nobody has taken as soon as it is done with one, so a thread slowed down (by another process on its core)
    /// takes fewer.
    func run(chunks: Int, threads: Int, _ body: (_ chunk: Int, _ slot: Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            let job = Job(body: escapable, chunks: chunks)
            let reference = Unmanaged.passUnretained(job)
            var posted: [(helper: Helper, ticket: Int)] = []
            let wanted = min(helpers.count, chunks - 1, threads - 1)
            posted.reserveCapacity(max(0, wanted))
            for helper in helpers where posted.count < wanted {
                if let ticket = helper.post(reference, slot: posted.count + 1) { posted.append((helper, ticket)) }
            }
            job.work(slot: 0)
            job.waitUntilFinished()
            // A helper that never picked the job up is taken off it; the others are waited for, so none touches the
            // closure once this returns. The ticket makes the withdrawal this job's own: by now the helper may have
            // run this job and been posted another caller's, which must not be taken off it.
            var entered = 0
            for (helper, ticket) in posted where !helper.withdraw(ticket: ticket) { entered += 1 }
            job.waitUntilLeft(entered)
            job.body = nil  // the closure must not outlive withoutActuallyEscaping (a helper may still hold `job`)
        }
    }

    /// One call's chunks: claimed one at a time through an atomic counter by every thread working on it.
    final class Job: @unchecked Sendable {  // `body` is written by the caller only before posting and after all left
        var body: ((Int, Int) -> Void)?
        let chunks: Int
        let next = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let left = Atomic<Int>(0)

        init(body: @escaping (Int, Int) -> Void, chunks: Int) {
            self.body = body
            self.chunks = chunks
        }

        /// Takes chunks until none is left. Not inlined, so the closure reference it loads is released before the
        /// helper reports that it left.
        @inline(never)
        func work(slot: Int) {
            guard let body else { return }
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                if i >= chunks { return }
                body(i, slot)
                finished.add(1, ordering: .releasing)
            }
        }

        func waitUntilFinished() {
            var spins = 0
            while finished.load(ordering: .acquiring) < chunks { Helper.pause(&spins) }
        }

        func waitUntilLeft(_ count: Int) {
            var spins = 0
            while left.load(ordering: .acquiring) < count { Helper.pause(&spins) }
        }
    }

    /// One helper thread and its mailbox: a state word and the job (and slot) posted to it.
    ///
    /// The state word's low three bits are the state; a posted word also carries the post's ticket above them
    /// (`posted | ticket << 3`), so that a caller withdrawing its job can never take off a later post of another
    /// caller's job to the same helper.
    final class Helper: @unchecked Sendable {  // `job`, `slot`, `tickets`: written only in the `claimed` state
        static let idle = 0, claimed = 1, posted = 2, running = 3, sleeping = 4
        static let stateBits = 3, stateMask = 7

        let state = Atomic<Int>(Helper.idle)
        var job: Unmanaged<Job>?
        var slot = 0
        /// Posts so far (the next post's ticket is this + 1); only the claimer touches it.
        var tickets = 0
        let wake = DispatchSemaphore(value: 0)

        /// Gives the helper `job` if it is free (polling or asleep) and returns the post's ticket (for `withdraw`);
        /// nil when it is busy with another job.
        func post(_ job: Unmanaged<Job>, slot: Int) -> Int? {
            var wasAsleep = false
            if !state.compareExchange(expected: Helper.idle, desired: Helper.claimed, ordering: .acquiring).exchanged {
                guard state.compareExchange(expected: Helper.sleeping, desired: Helper.claimed, ordering: .acquiring)
                    .exchanged
                else { return nil }
                wasAsleep = true
            }
            self.job = job
            self.slot = slot
            // Wraps long before overflowing the word's upper bits; a ticket only has to differ from the previous ones
            // a caller could still hold.
            tickets = (tickets + 1) & (Int.max >> (Helper.stateBits + 1))
            let ticket = tickets
            state.store(Helper.posted | ticket << Helper.stateBits, ordering: .releasing)
            if wasAsleep { wake.signal() }
            return ticket
        }

        /// Takes back the post with `ticket` if the helper has not started it; false when it has (it then reports
        /// leaving the job).
        func withdraw(ticket: Int) -> Bool {
            state.compareExchange(expected: Helper.posted | ticket << Helper.stateBits, desired: Helper.idle,
                                  ordering: .relaxed).exchanged
        }

        func start() {
            let context = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { raw in
                guard let raw else { return nil }
                Unmanaged<Helper>.fromOpaque(raw).takeRetainedValue().loop()  // never returns
            }, context)
            if status == 0 {
                pthread_detach(thread)
            } else {
                // No thread: the helper stays `claimed` forever, so nobody posts to it and callers work alone.
                state.store(Helper.claimed, ordering: .relaxed)
                Unmanaged<Helper>.fromOpaque(context).release()
            }
        }

        private func loop() -> Never {
            var idleSince = Helper.now()
            var spins = 0
            while true {
                let word = state.load(ordering: .acquiring)
                switch word & Helper.stateMask {
                case Helper.posted:
                    guard state.compareExchange(expected: word, desired: Helper.running, ordering: .acquiring)
                        .exchanged
                    else { continue }  // withdrawn meanwhile
                    if let job {
                        job.takeUnretainedValue().work(slot: slot)
                        job.takeUnretainedValue().left.add(1, ordering: .releasing)
                    }
                    state.store(Helper.idle, ordering: .releasing)
                    idleSince = Helper.now()
                    spins = 0
                case Helper.idle:
                    lema_spin_hint()
                    spins += 1
                    // Check the clock only now and then; polling itself is a plain load.
                    if spins & 255 == 0 && Helper.now() - idleSince > HelperPool.pollNanoseconds {
                        if state.compareExchange(expected: Helper.idle, desired: Helper.sleeping, ordering: .relaxed)
                            .exchanged
                        {
                            wake.wait()
                            idleSince = Helper.now()
                        }
                    }
                case Helper.sleeping:
                    wake.wait()  // posted to while it was about to sleep; `post` signals after the state change
                default:
                    break  // claimed: a caller is writing the job
                }
            }
        }

        /// Spin-wait step for callers: polls, and yields the core now and then in case the thread it waits for was
        /// descheduled (the machine may be shared).
        @inline(__always)
        static func pause(_ spins: inout Int) {
            lema_spin_hint()
            spins += 1
            if spins & 1023 == 0 { sched_yield() }
        }

        static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    }
}
