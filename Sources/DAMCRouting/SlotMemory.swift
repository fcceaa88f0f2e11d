import Glibc

/// Zeroed, cache-line-aligned memory for the slots of a `NameTable`,
/// shared copy-on-write between table values.
///
/// Tables of 2 MiB and more are mapped on their own, 2 MiB aligned, and
/// marked `MADV_HUGEPAGE`: a million-entry FIB is 64 MiB of slots, and with
/// 4 KiB pages nearly every lookup missed the TLB as well as the cache (on
/// a VM, a two-level page walk). Huge pages took a lookup from 340 to
/// 205 ns on the reference VM (docs/performance.md). Where transparent
/// huge pages are off (`never`) the advice is ignored and the table works
/// as before. Smaller tables use ordinary aligned heap memory.
final class SlotMemory: @unchecked Sendable {
    /// Start of the usable bytes (64-byte aligned; 2 MiB aligned when mapped).
    let base: UnsafeMutableRawPointer
    /// Usable bytes, all zero at creation.
    let count: Int
    /// The whole mapping (nil for heap memory), to unmap on release.
    private let mapping: (start: UnsafeMutableRawPointer, length: Int)?

    static let hugePage = 2 << 20

    /// Allocates `count` zeroed bytes. Traps if memory is exhausted, as an
    /// array allocation would.
    init(count: Int) {
        self.count = count
        if count >= Self.hugePage {
            let length = (count + Self.hugePage - 1) / Self.hugePage * Self.hugePage + Self.hugePage
            guard let start = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                  start != MAP_FAILED else {
                fatalError("name table: cannot map \(length) bytes: errno \(errno)")
            }
            let aligned = (Int(bitPattern: start) + Self.hugePage - 1) / Self.hugePage * Self.hugePage
            base = UnsafeMutableRawPointer(bitPattern: aligned)!
            // Advice only: failure (THP compiled out) leaves 4 KiB pages.
            _ = madvise(base, length - (aligned - Int(bitPattern: start)), MADV_HUGEPAGE)
            mapping = (start, length)
        } else {
            var pointer: UnsafeMutableRawPointer?
            guard posix_memalign(&pointer, 64, max(count, 64)) == 0, let pointer else {
                fatalError("name table: cannot allocate \(count) bytes")
            }
            memset(pointer, 0, max(count, 64))
            base = pointer
            mapping = nil
        }
    }

    /// A private copy of the same bytes (copy-on-write).
    func copy() -> SlotMemory {
        let fresh = SlotMemory(count: count)
        fresh.base.copyMemory(from: base, byteCount: count)
        return fresh
    }

    deinit {
        if let mapping {
            munmap(mapping.start, mapping.length)
        } else {
            free(base)
        }
    }
}
