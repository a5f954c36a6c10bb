/*
 * hs_platform.c: the platform functions WAMR's vmcore needs, for a Cortex-M board without an RTOS
 * (WAMR ships none). Memory: everything comes from WAMR's own pool (Alloc_With_Pool), so os_malloc
 * is never the source of anything and linear memory is "mapped" from the pool too. Output: the
 * board's log line. Time: the board's microsecond clock. Threads: one, so mutexes are no-ops.
 */
#include "platform_api_vmcore.h"
#include "platform_api_extension.h"

#include "hetsyn/hs_board.h"

/* The main stack's lowest address (linker script): WAMR keeps WASM_STACK_GUARD_SIZE above it. */
extern uint8_t __stack_limit[];

int bh_platform_init(void)
{
    return 0;
}

void bh_platform_destroy(void)
{
}

/* No C heap on this board: WAMR allocates from its pool (BH_MALLOC), never from here. */
void *os_malloc(unsigned size)
{
    (void)size;
    return NULL;
}

void *os_realloc(void *ptr, unsigned size)
{
    (void)ptr;
    (void)size;
    return NULL;
}

void os_free(void *ptr)
{
    (void)ptr;
}

int os_dumps_proc_mem_info(char *out, unsigned int size)
{
    (void)out;
    (void)size;
    return -1;
}

/* WAMR's messages end in '\n' and may arrive in pieces: collect them into log lines. */
static char s_line[HS_LOG_LINE_MAX];
static unsigned s_line_len;

static void line_put(char c)
{
    if (c == '\n' || s_line_len == sizeof s_line) {
        hs_board_log(s_line, s_line_len);
        s_line_len = 0;
        if (c == '\n') return;
    }
    s_line[s_line_len++] = c;
}

int os_vprintf(const char *format, va_list ap)
{
    char text[HS_LOG_LINE_MAX];
    const int n = vsnprintf(text, sizeof text, format, ap);
    for (int i = 0; i < n && i < (int)sizeof text - 1; i++) line_put(text[i]);
    return n;
}

int os_printf(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    const int n = os_vprintf(format, ap);
    va_end(ap);
    return n;
}

/* 64-bit microseconds from the board's wrapping 32-bit clock (called often enough to see wraps). */
uint64 os_time_get_boot_us(void)
{
    static uint64 s_high;
    static uint32 s_last;
    const uint32 now = hs_board_clock_us();
    if (now < s_last) s_high += (uint64)1 << 32;
    s_last = now;
    return s_high | now;
}

uint64 os_time_thread_cputime_us(void)
{
    return os_time_get_boot_us();
}

korp_tid os_self_thread(void)
{
    return 1;
}

uint8 *os_thread_get_stack_boundary(void)
{
    return __stack_limit;
}

void os_thread_jit_write_protect_np(bool enabled)
{
    (void)enabled;
}

int os_mutex_init(korp_mutex *mutex)
{
    *mutex = 0;
    return BHT_OK;
}

int os_mutex_destroy(korp_mutex *mutex)
{
    (void)mutex;
    return BHT_OK;
}

int os_mutex_lock(korp_mutex *mutex)
{
    (void)mutex;
    return BHT_OK;
}

int os_mutex_unlock(korp_mutex *mutex)
{
    (void)mutex;
    return BHT_OK;
}

/* Linear memory (and AOT code) come from WAMR's pool; on a Cortex-M4 all RAM is executable. */
void *os_mmap(void *hint, size_t size, int prot, int flags, os_file_handle file)
{
    (void)hint;
    (void)prot;
    (void)flags;
    (void)file;
    if (size >= UINT32_MAX) return NULL;
    void *addr = BH_MALLOC((uint32)size);
    if (addr != NULL) memset(addr, 0, size);
    return addr;
}

/* Grow = allocate the new size, copy, free the old: both live in the pool for a moment. */
void *os_mremap(void *old_addr, size_t old_size, size_t new_size)
{
    return os_mremap_slow(old_addr, old_size, new_size);
}

void os_munmap(void *addr, size_t size)
{
    (void)size;
    BH_FREE(addr);
}

int os_mprotect(void *addr, size_t size, int prot)
{
    (void)addr;
    (void)size;
    (void)prot;
    return 0;
}

void os_dcache_flush(void)
{
}

void os_icache_flush(void *start, size_t len)
{
    (void)start;
    (void)len;
}

os_raw_file_handle os_invalid_raw_handle(void)
{
    return -1;
}
