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

import Synchronization

/// Aligned buffers kept for the next product instead of freed. A packing buffer of megabytes is
/// memory the C library maps fresh from the kernel (glibc hands out allocations over its mmap
/// threshold, 128 KiB to 32 MiB, that way) and every page of it faults the first time it is
/// written: measured here, 32×256 · 256×8192 on Stage 4 took 6.3 ms with its 8 MiB B panel
/// allocated per product, 2.3 ms with malloc told to keep its memory
/// (MALLOC_MMAP_THRESHOLD_=4000000000). So Stage 4 borrows its buffers from a pool.
///
/// Thread-safe: a buffer is lent to one borrower at a time; the pool keeps at most `limit` of
/// them, freeing the smallest when more come back.
public final class BufferPool: Sendable {
    private let idle = Mutex<[AlignedBuffer]>([])
    public let limit: Int

    public init(limit: Int = 8) { self.limit = limit }

    /// The smallest idle buffer of at least `count` floats, or a new one. Return it with `giveBack`.
    public func borrow(count: Int) -> AlignedBuffer {
        let found = idle.withLock { buffers -> AlignedBuffer? in
            guard let index = buffers.indices.filter({ buffers[$0].count >= count })
                .min(by: { buffers[$0].count < buffers[$1].count }) else { return nil }
            return buffers.remove(at: index)
        }
        return found ?? AlignedBuffer(count: count)
    }

    /// Takes `buffer` back for the next borrower; no one may use it after this.
    public func giveBack(_ buffer: AlignedBuffer) {
        let extra = idle.withLock { buffers -> AlignedBuffer? in
            buffers.append(buffer)
            guard buffers.count > limit, let smallest = buffers.indices.min(by: { buffers[$0].count < buffers[$1].count })
            else { return nil }
            return buffers.remove(at: smallest)
        }
        extra?.free()
    }

    /// `body` with a borrowed buffer of at least `count` floats, given back when it returns.
    public func withBuffer<R>(count: Int, _ body: (AlignedBuffer) throws -> R) rethrows -> R {
        let buffer = borrow(count: count)
        defer { giveBack(buffer) }
        return try body(buffer)
    }

    /// The pool Stage 4's products borrow from.
    public static let shared = BufferPool()
}
