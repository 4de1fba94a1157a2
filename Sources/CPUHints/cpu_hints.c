// The header's inline functions, plus the large-buffer allocator (it needs <sys/mman.h> and a lock).
#include "cpu_hints.h"

#include <pthread.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

enum {
    huge_page = 2 << 20,
    kept_blocks_max = 16,
};
/// Bytes of freed large blocks kept for reuse at most.
static const size_t kept_bytes_max = (size_t)256 << 20;

/// Freed large blocks kept for reuse: a new block costs the kernel a page fault and a zeroed 2 MiB page per 2 MiB
/// (the sampler makes a 60 MB KV cache per call: 1.5% of L's sampling time went to zeroing pages).
static struct {
    pthread_mutex_t lock;
    void *blocks[kept_blocks_max];
    size_t sizes[kept_blocks_max];
    int count;
    size_t bytes;
} kept = {PTHREAD_MUTEX_INITIALIZER, {0}, {0}, 0, 0};

static size_t rounded_size(size_t bytes) { return (bytes + huge_page - 1) / huge_page * huge_page; }

/// A kept block of exactly `size` bytes (rounded), removed from the list; NULL when none.
static void *take_kept(size_t size) {
    void *found = NULL;
    pthread_mutex_lock(&kept.lock);
    for (int i = 0; i < kept.count; i++) {
        if (kept.sizes[i] != size) continue;
        found = kept.blocks[i];
        kept.bytes -= size;
        kept.count -= 1;
        kept.blocks[i] = kept.blocks[kept.count];
        kept.sizes[i] = kept.sizes[kept.count];
        break;
    }
    pthread_mutex_unlock(&kept.lock);
    return found;
}

void *lema_allocate_large(size_t bytes) {
    if (bytes == 0) bytes = 64;
    if (bytes < huge_page) {
        void *p = NULL;
        return posix_memalign(&p, 64, bytes) == 0 ? p : NULL;
    }
    size_t size = rounded_size(bytes);
    void *p = take_kept(size);
    if (p) return p;
    if (posix_memalign(&p, huge_page, size) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(p, size, MADV_HUGEPAGE);
#endif
    return p;
}

void lema_free_large(void *pointer, size_t bytes) {
    if (!pointer) return;
    if (bytes < huge_page) {
        free(pointer);
        return;
    }
    size_t size = rounded_size(bytes);
    pthread_mutex_lock(&kept.lock);
    int keep = kept.count < kept_blocks_max && kept.bytes + size <= kept_bytes_max;
    if (keep) {
        kept.blocks[kept.count] = pointer;
        kept.sizes[kept.count] = size;
        kept.count += 1;
        kept.bytes += size;
    }
    pthread_mutex_unlock(&kept.lock);
    if (!keep) free(pointer);
}
