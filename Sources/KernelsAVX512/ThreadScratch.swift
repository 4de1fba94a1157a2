#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One growing, 64-byte aligned float buffer per thread, freed when the thread exits. A GEMM call uses it for its
/// packed operands; calls on one thread never overlap, so one buffer per thread is enough.
enum ThreadScratch {
    /// The thread's buffer, grown to hold at least `count` floats (contents undefined).
    static func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
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
            floats = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
                .bindMemory(to: Float.self, capacity: count)
        }
        deinit { UnsafeMutableRawPointer(floats).deallocate() }
    }

    /// The key, created once; its destructor releases the exiting thread's buffer.
    static let key: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key) { raw in
            guard let raw else { return }
            Unmanaged<ThreadScratch.Buffer>.fromOpaque(raw).release()
        }
        precondition(status == 0, "pthread_key_create failed (\(status)): the process has run out of thread-local keys")
        return key
    }()
}
