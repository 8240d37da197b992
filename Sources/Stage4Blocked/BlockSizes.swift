// How big the blocks are, and why. Stage 4's loops (BlockedMatmul.swift) cut the product into
// blocks so that each piece of data sits in the cache level that serves it:
//
//     one micro-panel of B   kc × nr floats   in L1   (reused by all mc/mr micro-panels of A)
//     the packed block of A  mc × kc floats   in L2   (reused for every micro-panel of B)
//     the packed panel of B  kc × nc floats   in L3   (reused for every block of A)
//
// In L1 the micro-panel of B shares the cache with the micro-panel of A streaming past it, so
// the two together (mr + nr floats per step of kc) are sized to fill it. A larger kc means C's
// tile is loaded and stored fewer times (k / kc), which matters most when C does not fit in the
// caches. In L2 and L3 half of the cache is budgeted, leaving the rest for the data passing
// through (C's tiles, the next block). The numbers come from Linux's
// description of this CPU's caches, so the same code picks sensible blocks on another machine;
// `speedup tune` measures the neighbours of this guess and prints the best.

import Foundation
import MatmulCore

/// The data-cache sizes of this machine, in bytes, as Linux reports them for CPU 0.
public struct CacheSizes: Equatable, Sendable {
    public var l1: Int
    public var l2: Int
    public var l3: Int

    public init(l1: Int, l2: Int, l3: Int) {
        (self.l1, self.l2, self.l3) = (l1, l2, l3)
    }

    /// Read from /sys/devices/system/cpu/cpu0/cache (`HostCPU.caches`); a cache Linux does not
    /// describe gets a common size (32 KiB L1, 512 KiB L2, 8 MiB L3).
    public static let host: CacheSizes = {
        var sizes = CacheSizes(l1: 32 << 10, l2: 512 << 10, l3: 8 << 20)
        for cache in HostCPU.caches {
            switch cache.level {
            case 1: sizes.l1 = cache.bytes
            case 2: sizes.l2 = cache.bytes
            case 3: sizes.l3 = cache.bytes
            default: break
            }
        }
        return sizes
    }()
}

/// The three block sizes of the blocked loops, kc (depth), mc (rows of A), nc (columns of B), and
/// the register tile (RegisterTile.swift) they are cut for.
public struct BlockSizes: Hashable, Sendable, CustomStringConvertible {
    /// Rows of A per packed block; a multiple of the tile's rows (mr).
    public let mc: Int
    /// Depth of one block: columns of A and rows of B packed together.
    public let kc: Int
    /// Columns of B per packed panel; a multiple of the tile's columns (nr).
    public let nc: Int
    /// The register tile the micro-kernel holds: mr × nr.
    public let tile: RegisterTile

    /// Block sizes rounded to what the tile needs (mc to a multiple of mr, nc of nr).
    /// - Throws: `BlockSizeError` when a size is below 1 or above `BlockSizes.largest`.
    public init(mc: Int, kc: Int, nc: Int, tile: RegisterTile = .host) throws {
        guard [mc, kc, nc].allSatisfy({ (1...Self.largest).contains($0) }) else { throw BlockSizeError(mc: mc, kc: kc, nc: nc) }
        self.mc = roundUp(mc, to: tile.rows)
        self.kc = kc
        self.nc = roundUp(nc, to: tile.columns)
        self.tile = tile
    }

    /// The sizes that follow from `caches` for `tile` (half of L2 and L3, as in the comment at the top).
    public init(caches: CacheSizes, tile: RegisterTile = .host) {
        let float = MemoryLayout<Float>.size
        let (mr, nr) = (tile.rows, tile.columns)
        // L1: a kc × nr micro-panel of B and a mr × kc one of A. 32 KiB, 6×16 → kc = 32 KiB / (22 · 4 B) = 372 → 368;
        // 48 KiB, 12×32 → 48 KiB / (44 · 4 B) = 279 → 272.
        let kc = max(16, caches.l1 / ((mr + nr) * float) / 16 * 16)
        // L2: the mc × kc block of A. 512 KiB → mc = 256 KiB / (368 · 4 B) = 178 → 174 (a multiple of 6).
        let mc = max(mr, caches.l2 / 2 / (kc * float) / mr * mr)
        // L3: the kc × nc panel of B, shared by every core. 32 MiB → 16 MiB / (368 · 4 B) = 11397 → 11392.
        let nc = max(nr, caches.l3 / 2 / (kc * float) / nr * nr)
        (self.mc, self.kc, self.nc, self.tile) = (mc, kc, nc, tile)
    }

    /// These sizes for another tile: derived again from the caches if these were the host's,
    /// otherwise the same sizes rounded to the new tile.
    public func retiled(_ tile: RegisterTile) -> BlockSizes {
        if tile == self.tile { return self }
        if self == BlockSizes(caches: .host, tile: self.tile) { return BlockSizes(caches: .host, tile: tile) }
        return BlockSizes(unchecked: roundUp(mc, to: tile.rows), kc: kc, nc: roundUp(nc, to: tile.columns), tile: tile)
    }

    /// These sizes with the B panel's share of L3 divided among `parts` threads, each of which
    /// packs a panel of its own (`threadedProduct`).
    func sharingL3(among parts: Int) -> BlockSizes {
        let nr = tile.columns
        return BlockSizes(unchecked: mc, kc: kc, nc: max(nr, nc / parts / nr * nr), tile: tile)
    }

    private init(unchecked mc: Int, kc: Int, nc: Int, tile: RegisterTile) {
        (self.mc, self.kc, self.nc, self.tile) = (mc, kc, nc, tile)
    }

    /// The largest block size accepted: 2²⁴ floats (64 MiB) in one direction of one block is already
    /// far beyond any cache, and keeps the packing buffers' sizes (mc·kc, kc·nc) from overflowing.
    public static let largest = 1 << 24

    /// This machine's sizes: its tile (`RegisterTile.host`), blocks derived from its caches.
    public static let host = BlockSizes(caches: .host, tile: .host)

    public var description: String { "\(tile) tile, mc=\(mc) kc=\(kc) nc=\(nc)" }
}

/// A block size below 1 was asked for.
public struct BlockSizeError: Error, CustomStringConvertible {
    public let mc: Int, kc: Int, nc: Int
    public var description: String { "block sizes must be from 1 to \(BlockSizes.largest), got mc=\(mc) kc=\(kc) nc=\(nc)" }
}

func roundUp(_ value: Int, to multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
}
