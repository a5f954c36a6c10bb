/*
 * hs_port_posix.c: the board-support interface on a POSIX host, for running the C side natively
 * (with WAMR's linux platform): UART on a pseudo-terminal or any tty, storage in a file that
 * behaves like NOR flash, the microphone from a PCM file (hs_mic_file.h), the log on stderr.
 * Compiles without WAMR.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hetsyn/hs_board.h"
#include "hetsyn/hs_storage.h"

#include "hs_mic_file.h"
#include "hs_port_posix.h"

const hs_board_profile_t hs_board_profile = {
    .name = "posix",
    .pool_bytes = 256 * 1024,
    .wasm_stack_bytes = 16 * 1024,
    .uart_baud = 115200,
    .uart_rx_bytes = 0, /* the kernel's tty buffer */
    .uart_tx_bytes = 0,
};

/* Two 128 KiB slots of 4 KiB sectors programmed in 8-byte units (like an STM32L4), so the host
 * port exercises the same pending-unit path a real flash does. */
const hs_storage_layout_t hs_posix_layout = {
    .slot_address = {0, 128 * 1024},
    .slot_bytes = 128 * 1024,
    .erase_bytes = 4096,
    .write_bytes = 8,
};

static int s_uart = -1;
static int s_pty_slave = -1;
static int s_storage_fd = -1;
static hs_storage_t s_storage;
static hs_mic_file_t s_mic = {.fd = -1};

/* ---- storage: a file behaving like NOR flash ---- */

static int32_t file_erase(void *io_context, uint32_t i_address, uint32_t i_bytes)
{
    (void)io_context;
    uint8_t ff[4096];
    memset(ff, 0xFF, sizeof ff);
    while (i_bytes > 0) {
        const uint32_t n = i_bytes < sizeof ff ? i_bytes : (uint32_t)sizeof ff;
        if (pwrite(s_storage_fd, ff, n, (off_t)i_address) != (ssize_t)n) return -1;
        i_address += n;
        i_bytes -= n;
    }
    return 0;
}

static int32_t file_read(void *io_context, uint32_t i_address, uint8_t *o_data, uint32_t i_bytes)
{
    (void)io_context;
    return pread(s_storage_fd, o_data, i_bytes, (off_t)i_address) == (ssize_t)i_bytes ? 0 : -1;
}

static int32_t file_program(void *io_context, uint32_t i_address, const uint8_t *i_data, uint32_t i_bytes)
{
    uint8_t old[256];
    while (i_bytes > 0) {
        const uint32_t n = i_bytes < sizeof old ? i_bytes : (uint32_t)sizeof old;
        if (file_read(io_context, i_address, old, n) != 0) return -1;
        for (uint32_t i = 0; i < n; i++) old[i] &= i_data[i]; /* programming clears bits only */
        if (pwrite(s_storage_fd, old, n, (off_t)i_address) != (ssize_t)n) return -1;
        i_address += n;
        i_data += n;
        i_bytes -= n;
    }
    return fsync(s_storage_fd) == 0 ? 0 : -1;
}

/* The file mapped read-only and shared, so it shows every pwrite: the model runs from it in place. */
static const uint8_t *s_storage_mapped;

static const uint8_t *file_map(void *io_context, uint32_t i_address, uint32_t i_bytes)
{
    (void)io_context;
    (void)i_bytes; /* hs_storage checked the range against the layout, which the mapping covers */
    return s_storage_mapped != NULL ? s_storage_mapped + i_address : NULL;
}

static const hs_flash_ops_t s_file_ops = {file_erase, file_program, file_read, file_map};

static int open_storage(const char *i_path)
{
    const uint32_t size = hs_posix_layout.slot_address[1] + hs_posix_layout.slot_bytes;
    s_storage_fd = open(i_path, O_RDWR | O_CREAT, 0644);
    if (s_storage_fd < 0) {
        fprintf(stderr, "storage %s: %s\n", i_path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(s_storage_fd, &st) != 0) return -1;
    if ((uint64_t)st.st_size < size && file_erase(NULL, (uint32_t)st.st_size, size - (uint32_t)st.st_size) != 0) {
        fprintf(stderr, "storage %s: cannot extend to %u bytes\n", i_path, (unsigned)size);
        return -1;
    }
    void *mapped = mmap(NULL, size, PROT_READ, MAP_SHARED, s_storage_fd, 0);
    if (mapped == MAP_FAILED) {
        fprintf(stderr, "storage %s: mmap: %s\n", i_path, strerror(errno));
        return -1;
    }
    s_storage_mapped = mapped;
    if (hs_storage_init(&s_storage, &hs_posix_layout, &s_file_ops, NULL) != HS_OK) return -1;
    return 0;
}

/* ---- UART ---- */

static int make_raw(int i_fd)
{
    struct termios tio;
    if (tcgetattr(i_fd, &tio) != 0) return -1;
    cfmakeraw(&tio);
    return tcsetattr(i_fd, TCSANOW, &tio);
}

static int open_uart(const hs_posix_options_t *i_options)
{
    if (i_options->make_pty) {
        s_uart = posix_openpt(O_RDWR | O_NOCTTY);
        if (s_uart < 0 || grantpt(s_uart) != 0 || unlockpt(s_uart) != 0) {
            perror("pty");
            return -1;
        }
        const char *name = ptsname(s_uart);
        /* Hold the slave open so the master never reads EIO while no host is connected. */
        s_pty_slave = open(name, O_RDWR | O_NOCTTY);
        if (s_pty_slave < 0 || make_raw(s_pty_slave) != 0) {
            perror("pty slave");
            return -1;
        }
        printf("pty %s\n", name);
        fflush(stdout);
    } else if (i_options->uart_path != NULL) {
        s_uart = open(i_options->uart_path, O_RDWR | O_NOCTTY);
        if (s_uart < 0) {
            fprintf(stderr, "uart %s: %s\n", i_options->uart_path, strerror(errno));
            return -1;
        }
        if (isatty(s_uart)) make_raw(s_uart);
    } else {
        fprintf(stderr, "no UART: give a tty path or ask for a pty\n");
        return -1;
    }
    return fcntl(s_uart, F_SETFL, fcntl(s_uart, F_GETFL) | O_NONBLOCK);
}

int hs_posix_open(const hs_posix_options_t *i_options)
{
    if (open_storage(i_options->storage_path) != 0) return -1;
    if (i_options->mic_path != NULL &&
        hs_mic_file_open(&s_mic, i_options->mic_path, i_options->mic_rate_hz, i_options->mic_paced) != 0)
        return -1;
    return open_uart(i_options);
}

/* ---- hs_board.h ---- */

void hs_board_init(void)
{
}

uint32_t hs_board_uart_read(uint8_t *o_buf, uint32_t i_len)
{
    if (s_uart < 0 || i_len == 0) return 0;
    const ssize_t n = read(s_uart, o_buf, i_len);
    return n > 0 ? (uint32_t)n : 0;
}

uint32_t hs_board_uart_write(const uint8_t *i_buf, uint32_t i_len)
{
    if (s_uart < 0 || i_len == 0) return 0;
    const ssize_t n = write(s_uart, i_buf, i_len);
    return n > 0 ? (uint32_t)n : 0;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint32_t hs_board_clock_us(void)
{
    return (uint32_t)now_us();
}

uint32_t hs_board_mic_read(uint8_t *o_buf, uint32_t i_samples)
{
    return hs_mic_file_read(&s_mic, o_buf, i_samples, now_us());
}

void hs_board_log(const char *i_text, uint32_t i_len)
{
    fprintf(stderr, "%.*s\n", (int)i_len, i_text);
}

hs_storage_t *hs_board_storage(void)
{
    return &s_storage;
}

void hs_board_idle(void)
{
    if (s_uart < 0) return;
    struct pollfd fds = {.fd = s_uart, .events = POLLIN};
    (void)poll(&fds, 1, 10);
}
