/*
 * platform_internal.h: WAMR's platform types for a Cortex-M board without an RTOS (our code, not
 * WAMR's). WAMR includes this header from every source file once SHARED_PLATFORM_CONFIG points at
 * shared_platform.cmake in this directory. One thread, no files, no signals: the types exist only
 * so WAMR's headers compile.
 */
#ifndef _PLATFORM_INTERNAL_H
#define _PLATFORM_INTERNAL_H

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BH_PLATFORM_HETSYN_BAREMETAL
#define BH_PLATFORM_HETSYN_BAREMETAL
#endif

#define BH_APPLET_PRESERVED_STACK_SIZE (2 * BH_KB)
#define BH_THREAD_DEFAULT_PRIORITY 0

typedef uint32_t korp_tid;
typedef uint32_t korp_mutex;
typedef uint32_t korp_sem;
typedef uint32_t korp_thread;
typedef struct korp_rwlock {
    int unused;
} korp_rwlock;
typedef struct korp_cond {
    int unused;
} korp_cond;

typedef int os_file_handle;
typedef void *os_dir_stream;
typedef int os_raw_file_handle;

static inline os_file_handle os_get_invalid_handle(void)
{
    return -1;
}

/* WAMR rounds linear memory and a few tables up to this; no MMU, so keep it small (8 keeps the
 * 8-byte alignment WAMR asserts for linear memory). */
static inline int os_getpagesize(void)
{
    return 8;
}

#endif /* _PLATFORM_INTERNAL_H */
