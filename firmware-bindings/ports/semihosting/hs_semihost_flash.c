/* hs_semihost_flash.c: a NOR flash image in a host file over Arm semihosting (see the header). */
#include "hs_semihost_flash.h"

#include <string.h>

/* Semihosting operations (Arm's "Semihosting for AArch32 and AArch64", version 3). */
#define SYS_OPEN 0x01u
#define SYS_WRITE 0x05u
#define SYS_READ 0x06u
#define SYS_SEEK 0x0Au
#define SYS_FLEN 0x0Cu
/* SYS_OPEN modes: fopen's "r+b" (an existing file) and "w+b" (created, or truncated). */
#define MODE_READ_WRITE 3u
#define MODE_CREATE 7u

/* Bytes moved per semihosting call: one trap to the emulator each, so not too few. */
#define CHUNK 256u

static uint8_t s_chunk[CHUNK];

static int32_t semihost(uint32_t i_op, const void *i_args)
{
    register uint32_t r0 __asm__("r0") = i_op;
    register const void *r1 __asm__("r1") = i_args;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

static int32_t sh_seek(int32_t i_handle, uint32_t i_position)
{
    const uint32_t args[2] = {(uint32_t)i_handle, i_position};
    return semihost(SYS_SEEK, args) == 0 ? 0 : -1;
}

/* SYS_WRITE and SYS_READ answer the bytes they did not move: anything but 0 is a failure. */
static int32_t sh_write(int32_t i_handle, const uint8_t *i_data, uint32_t i_bytes)
{
    const uint32_t args[3] = {(uint32_t)i_handle, (uint32_t)(uintptr_t)i_data, i_bytes};
    return semihost(SYS_WRITE, args) == 0 ? 0 : -1;
}

static int32_t sh_read(int32_t i_handle, uint8_t *o_data, uint32_t i_bytes)
{
    const uint32_t args[3] = {(uint32_t)i_handle, (uint32_t)(uintptr_t)o_data, i_bytes};
    return semihost(SYS_READ, args) == 0 ? 0 : -1;
}

static int32_t sh_open(const char *i_name, uint32_t i_mode)
{
    const uint32_t args[3] = {(uint32_t)(uintptr_t)i_name, i_mode, (uint32_t)strlen(i_name)};
    return semihost(SYS_OPEN, args);
}

/* Fills [i_address, +i_bytes) of the image with 0xFF. */
static int32_t fill_erased(const hs_semihost_flash_t *i_flash, uint32_t i_address, uint32_t i_bytes)
{
    if (sh_seek(i_flash->handle, i_address) != 0) return -1;
    memset(s_chunk, 0xFF, sizeof s_chunk);
    while (i_bytes > 0) {
        const uint32_t n = i_bytes < CHUNK ? i_bytes : CHUNK;
        if (sh_write(i_flash->handle, s_chunk, n) != 0) return -1;
        i_bytes -= n;
    }
    return 0;
}

int32_t hs_semihost_flash_open(hs_semihost_flash_t *o_flash, const char *i_name, uint32_t i_size,
                               uint8_t *io_image, uint32_t i_image_bytes)
{
    o_flash->size = i_size;
    o_flash->image = NULL;
    o_flash->image_bytes = i_image_bytes < i_size ? i_image_bytes : i_size;
    o_flash->image_base = 0;
    o_flash->handle = sh_open(i_name, MODE_READ_WRITE);
    if (o_flash->handle < 0) o_flash->handle = sh_open(i_name, MODE_CREATE);
    if (o_flash->handle < 0) return -1;
    const int32_t length = semihost(SYS_FLEN, &o_flash->handle);
    if (length < 0) {
        o_flash->handle = -1;
        return -1;
    }
    if ((uint32_t)length < i_size && fill_erased(o_flash, (uint32_t)length, i_size - (uint32_t)length) != 0) {
        o_flash->handle = -1;
        return -1;
    }
    if (io_image != NULL) {
        if (sh_seek(o_flash->handle, 0) != 0 || sh_read(o_flash->handle, io_image, o_flash->image_bytes) != 0) {
            o_flash->handle = -1;
            return -1;
        }
        o_flash->image = io_image;
    }
    return 0;
}

static int32_t inside(const hs_semihost_flash_t *i_flash, uint32_t i_address, uint32_t i_bytes)
{
    return i_flash->handle >= 0 && i_address <= i_flash->size && i_bytes <= i_flash->size - i_address;
}

/*
 * The part of [i_address, +i_bytes) the window holds: 1 with its offset in the window, the
 * offset in the range and the length, or 0 when they do not meet.
 */
static int32_t in_window(const hs_semihost_flash_t *i_flash, uint32_t i_address, uint32_t i_bytes,
                         uint32_t *o_window_at, uint32_t *o_range_at, uint32_t *o_bytes)
{
    if (i_flash->image == NULL) return 0;
    const uint32_t start = i_address > i_flash->image_base ? i_address : i_flash->image_base;
    const uint32_t window_end = i_flash->image_base + i_flash->image_bytes;
    const uint32_t end = i_address + i_bytes < window_end ? i_address + i_bytes : window_end;
    if (start >= end) return 0;
    *o_window_at = start - i_flash->image_base;
    *o_range_at = start - i_address;
    *o_bytes = end - start;
    return 1;
}

/* Whether the window holds all of [i_address, +i_bytes). */
static int32_t window_holds(const hs_semihost_flash_t *i_flash, uint32_t i_address, uint32_t i_bytes)
{
    uint32_t window_at, range_at, n;
    return in_window(i_flash, i_address, i_bytes, &window_at, &range_at, &n) && n == i_bytes;
}

static int32_t image_erase(void *io_context, uint32_t i_address, uint32_t i_bytes)
{
    const hs_semihost_flash_t *flash = (const hs_semihost_flash_t *)io_context;
    if (!inside(flash, i_address, i_bytes)) return -1;
    if (fill_erased(flash, i_address, i_bytes) != 0) return -1;
    uint32_t window_at, range_at, n;
    if (in_window(flash, i_address, i_bytes, &window_at, &range_at, &n)) memset(&flash->image[window_at], 0xFF, n);
    return 0;
}

static int32_t image_program(void *io_context, uint32_t i_address, const uint8_t *i_data, uint32_t i_bytes)
{
    const hs_semihost_flash_t *flash = (const hs_semihost_flash_t *)io_context;
    if (!inside(flash, i_address, i_bytes)) return -1;
    while (i_bytes > 0) {
        const uint32_t n = i_bytes < CHUNK ? i_bytes : CHUNK;
        /* Programming only clears bits, as on NOR flash (a double program shows). */
        if (sh_seek(flash->handle, i_address) != 0 || sh_read(flash->handle, s_chunk, n) != 0) return -1;
        for (uint32_t i = 0; i < n; i++) s_chunk[i] &= i_data[i];
        if (sh_seek(flash->handle, i_address) != 0 || sh_write(flash->handle, s_chunk, n) != 0) return -1;
        uint32_t window_at, range_at, shown;
        if (in_window(flash, i_address, n, &window_at, &range_at, &shown)) {
            memcpy(&flash->image[window_at], &s_chunk[range_at], shown);
        }
        i_address += n;
        i_data += n;
        i_bytes -= n;
    }
    return 0;
}

static int32_t image_read(void *io_context, uint32_t i_address, uint8_t *o_data, uint32_t i_bytes)
{
    const hs_semihost_flash_t *flash = (const hs_semihost_flash_t *)io_context;
    if (!inside(flash, i_address, i_bytes)) return -1;
    if (i_bytes == 0) return 0;
    if (window_holds(flash, i_address, i_bytes)) {
        memcpy(o_data, &flash->image[i_address - flash->image_base], i_bytes);
        return 0;
    }
    if (sh_seek(flash->handle, i_address) != 0) return -1;
    return sh_read(flash->handle, o_data, i_bytes);
}

static const uint8_t *image_map(void *io_context, uint32_t i_address, uint32_t i_bytes)
{
    hs_semihost_flash_t *flash = (hs_semihost_flash_t *)io_context;
    if (flash->image == NULL || !inside(flash, i_address, i_bytes) || i_bytes > flash->image_bytes) return NULL;
    if (!window_holds(flash, i_address, i_bytes)) {
        /* Another range: the window moves to it (it still ends inside the file). */
        const uint32_t base = i_address <= flash->size - flash->image_bytes ? i_address : flash->size - flash->image_bytes;
        if (sh_seek(flash->handle, base) != 0 || sh_read(flash->handle, flash->image, flash->image_bytes) != 0) {
            flash->handle = -1; /* the window is torn: fail everything, as a file refused at open does */
            return NULL;
        }
        flash->image_base = base;
    }
    return &flash->image[i_address - flash->image_base];
}

const hs_flash_ops_t hs_semihost_flash_ops = {image_erase, image_program, image_read, image_map};
