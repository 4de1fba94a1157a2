#ifndef LEMA_SPIN_HINT_H
#define LEMA_SPIN_HINT_H

/// Tells the CPU the thread is in a spin-wait loop (x86 PAUSE, ARM YIELD): a sibling hyperthread gets the core's
/// execution units meanwhile, and leaving the loop costs no memory-order mis-speculation.
static inline void lema_spin_hint(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
