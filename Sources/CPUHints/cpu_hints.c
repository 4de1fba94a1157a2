// The header's inline functions, plus the large-buffer allocator (it needs <sys/mman.h>).
#include "cpu_hints.h"

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

enum { huge_page = 2 << 20 };

void *lema_allocate_large(size_t bytes) {
    if (bytes == 0) bytes = 64;
    if (bytes < huge_page) {
        void *p = NULL;
        return posix_memalign(&p, 64, bytes) == 0 ? p : NULL;
    }
    size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
    void *p = NULL;
    if (posix_memalign(&p, huge_page, rounded) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(p, rounded, MADV_HUGEPAGE);
#endif
    return p;
}

void lema_free_large(void *pointer) { free(pointer); }
