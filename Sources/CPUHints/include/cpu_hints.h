#ifndef LEMA_CPU_HINTS_H
#define LEMA_CPU_HINTS_H

/// Tells the CPU the thread is in a spin-wait loop (x86 PAUSE, ARM YIELD): a sibling hyperthread gets the core's
/// execution units meanwhile, and leaving the loop costs no memory-order mis-speculation.
static inline void lema_spin_hint(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Asks for the cache line holding `address` to be brought into L2 (and L3) ahead of its use; never faults.
static inline void lema_prefetch_l2(const void *address) {
    __builtin_prefetch(address, 0, 2);
}

#include <stddef.h>

/// `bytes` of memory, 64-byte aligned; from 2 MiB on, aligned to 2 MiB and advised for transparent huge pages
/// (Linux `madvise(MADV_HUGEPAGE)`), so streaming it takes one TLB entry per 2 MiB instead of per 4 KiB. Large
/// blocks come from those freed before when one of the same size (rounded to 2 MiB) is kept. NULL when out of
/// memory. Free with `lema_free_large`.
void *lema_allocate_large(size_t bytes);

/// Frees memory from `lema_allocate_large(bytes)` (the same `bytes`). Large blocks are kept for reuse, up to 16
/// blocks and 256 MiB in all (thread-safe); the rest goes back to the C allocator.
void lema_free_large(void *pointer, size_t bytes);

#endif
