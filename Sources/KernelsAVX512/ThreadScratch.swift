import CPUHints

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Growing, 64-byte aligned float buffers kept per thread, freed when the thread exits: one for a GEMM call's own
/// packed operands (calls on one thread never overlap), one for an operand a thread packs for a whole team of threads
/// (`AVX512GEMM.teamBuffer`), which stays in use while the team's GEMM calls run — on the packing thread too.
enum ThreadScratch {
    enum Slot: Sendable {
        /// A single GEMM call's scratch.
        case call
        /// An operand shared with other threads for the duration of one team product.
        case team
    }

    /// The thread's buffer for `slot`, grown to hold at least `count` floats (contents undefined; a grown buffer
    /// replaces the old one, so a pointer is valid until the next request for the same slot on this thread).
    static func floats(_ count: Int, slot: Slot = .call) -> UnsafeMutablePointer<Float> {
        let key = slot == .call ? callKey : teamKey
        if let raw = pthread_getspecific(key) {
            let buffer = Unmanaged<Buffer>.fromOpaque(raw).takeUnretainedValue()
            if buffer.count >= count { return buffer.floats }
            Unmanaged<Buffer>.fromOpaque(raw).release()
        }
        // Grow by half again, so a thread that alternates between shapes settles on one allocation.
        let buffer = Buffer(count: max(count, count + count / 2))
        pthread_setspecific(key, Unmanaged.passRetained(buffer).toOpaque())
        return buffer.floats
    }

    final class Buffer {
        let floats: UnsafeMutablePointer<Float>
        let count: Int
        init(count: Int) {
            self.count = count
            // 64-byte aligned; huge pages from 2 MiB on (see Kernels' LargeBuffer)
            guard let raw = lema_allocate_large(count * 4) else { preconditionFailure("out of memory for GEMM scratch") }
            floats = raw.bindMemory(to: Float.self, capacity: count)
        }
        deinit { lema_free_large(floats, count * 4) }
    }

    static let callKey = makeKey()
    static let teamKey = makeKey()

    /// A key whose destructor releases the exiting thread's buffer.
    static func makeKey() -> pthread_key_t {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { raw in
            guard let raw else { return }
            Unmanaged<ThreadScratch.Buffer>.fromOpaque(raw).release()
        }
        precondition(status == 0, "pthread_key_create failed (\(status)): the process has run out of thread-local keys")
        return key
    }
}
