/// Floats in memory that starts on a 64-byte boundary (a cache line, and the widest SIMD load):
/// the packing buffers of Stage 4 and of your exercises. Free it yourself, once, when done —
/// `defer { buffer.free() }` right after making it. (Not a class freed by its last reference: the
/// optimizer may end a reference's life at its last use, while a pointer taken from it is still in use.)
///
/// Why `@unchecked Sendable`: Swift 6 lets a closure that runs on other threads (the one
/// `DispatchQueue.concurrentPerform` takes is `@Sendable`) capture only values it can prove safe
/// to share, and a raw pointer is not one: the compiler cannot see who writes through it. This
/// type promises instead, and the code that uses it keeps the promise: **while threads run, each
/// float is written by at most one thread, and nothing reads a float another thread is writing.**
/// Stage 4 keeps it with one buffer per thread for A, and B packed before any thread reads it
/// (`concurrentPerform` returns only when every thread is done, so the reads come after).
public struct AlignedBuffer: @unchecked Sendable {
    /// The first float.
    public let base: UnsafeMutablePointer<Float>
    /// How many floats there are.
    public let count: Int

    /// `count` floats, not initialized: write before you read.
    public init(count: Int) {
        precondition(count >= 0, "a buffer of \(count) floats")
        let stored = max(1, count)
        (base, self.count) = (UnsafeMutableRawPointer.allocate(byteCount: stored * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: stored), count)
    }

    /// Gives the memory back. Call it once, after every thread using the buffer has finished.
    public func free() { UnsafeMutableRawPointer(base).deallocate() }
}
