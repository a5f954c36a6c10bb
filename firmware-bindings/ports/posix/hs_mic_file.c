/* hs_mic_file.c: a PCM file as the host port's microphone (see hs_mic_file.h). */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hs_mic_file.h"

#define WAV_FORMAT_PCM 1u
#define WAV_FORMAT_EXTENSIBLE 0xFFFEu

static uint32_t le32(const uint8_t *i_at)
{
    return (uint32_t)i_at[0] | ((uint32_t)i_at[1] << 8) | ((uint32_t)i_at[2] << 16) | ((uint32_t)i_at[3] << 24);
}

static uint32_t le16(const uint8_t *i_at)
{
    return (uint32_t)i_at[0] | ((uint32_t)i_at[1] << 8);
}

/* Reads exactly i_bytes (blocking); 0, or -1 at the end of the file or on an error. */
static int read_exact(int i_fd, uint8_t *o_buf, uint32_t i_bytes)
{
    while (i_bytes > 0) {
        const ssize_t n = read(i_fd, o_buf, i_bytes);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        o_buf += n;
        i_bytes -= (uint32_t)n;
    }
    return 0;
}

/* Skips i_bytes by reading them (a FIFO cannot seek). */
static int skip(int i_fd, uint32_t i_bytes)
{
    uint8_t scratch[256];
    while (i_bytes > 0) {
        const uint32_t n = i_bytes < sizeof scratch ? i_bytes : (uint32_t)sizeof scratch;
        if (read_exact(i_fd, scratch, n) != 0) return -1;
        i_bytes -= n;
    }
    return 0;
}

/* Walks the chunks after "RIFF....WAVE" to "data", checking "fmt " on the way; 0 or -1. */
static int read_wav_header(hs_mic_file_t *io_mic, const char *i_path)
{
    uint8_t head[40];
    int have_format = 0;
    if (read_exact(io_mic->fd, head, 12) != 0) return -1;
    for (;;) {
        if (read_exact(io_mic->fd, head, 8) != 0) {
            fprintf(stderr, "mic %s: no data chunk\n", i_path);
            return -1;
        }
        const uint32_t size = le32(&head[4]);
        if (memcmp(head, "data", 4) == 0) {
            if (!have_format) break;
            io_mic->bytes_left = size;
            return 0;
        }
        uint32_t skipped = size + (size & 1u); /* chunks are padded to even sizes */
        if (memcmp(head, "fmt ", 4) == 0) {
            if (size < 16) break;
            const uint32_t take = size < sizeof head ? size : (uint32_t)sizeof head;
            if (read_exact(io_mic->fd, head, take) != 0) break;
            uint32_t tag = le16(&head[0]);
            if (tag == WAV_FORMAT_EXTENSIBLE && take >= 26) tag = le16(&head[24]);
            if (tag != WAV_FORMAT_PCM || le16(&head[2]) != 1 || le16(&head[14]) != 16) {
                fprintf(stderr, "mic %s: not 16-bit mono PCM (format tag %u, channels %u, bits %u)\n", i_path,
                        (unsigned)tag, (unsigned)le16(&head[2]), (unsigned)le16(&head[14]));
                return -1;
            }
            io_mic->rate_hz = le32(&head[4]);
            have_format = 1;
            skipped -= take;
        }
        if (skip(io_mic->fd, skipped) != 0) break;
    }
    fprintf(stderr, "mic %s: a WAV file without a complete \"fmt \" chunk before its data\n", i_path);
    return -1;
}

int hs_mic_file_open(hs_mic_file_t *o_mic, const char *i_path, uint32_t i_raw_rate_hz, int i_paced)
{
    memset(o_mic, 0, sizeof *o_mic);
    o_mic->paced = i_paced;
    o_mic->rate_hz = i_raw_rate_hz;
    o_mic->bytes_left = UINT64_MAX;
    o_mic->fd = open(i_path, O_RDONLY);
    if (o_mic->fd < 0) {
        fprintf(stderr, "mic %s: %s\n", i_path, strerror(errno));
        return -1;
    }
    /* pread leaves the offset alone, so a raw file starts at its first byte; a FIFO (no pread)
     * is raw. */
    uint8_t magic[12];
    const int wav = pread(o_mic->fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic &&
                    memcmp(magic, "RIFF", 4) == 0 && memcmp(&magic[8], "WAVE", 4) == 0;
    if ((wav && read_wav_header(o_mic, i_path) != 0) || o_mic->rate_hz == 0) {
        if (o_mic->rate_hz == 0) fprintf(stderr, "mic %s: a sample rate of 0 Hz\n", i_path);
        hs_mic_file_close(o_mic);
        return -1;
    }
    if (fcntl(o_mic->fd, F_SETFL, fcntl(o_mic->fd, F_GETFL) | O_NONBLOCK) != 0) {
        fprintf(stderr, "mic %s: %s\n", i_path, strerror(errno));
        hs_mic_file_close(o_mic);
        return -1;
    }
    return 0;
}

uint32_t hs_mic_file_read(hs_mic_file_t *io_mic, uint8_t *o_buf, uint32_t i_samples, uint64_t i_now_us)
{
    if (io_mic->fd < 0) return 0;
    if (!io_mic->started) {
        io_mic->started = 1;
        io_mic->started_us = i_now_us;
    }
    uint64_t n = i_samples;
    if (io_mic->paced) {
        const uint64_t due = (i_now_us - io_mic->started_us) * io_mic->rate_hz / 1000000u;
        const uint64_t ready = due > io_mic->delivered ? due - io_mic->delivered : 0;
        if (n > ready) n = ready;
    }
    if (n > io_mic->bytes_left / 2u) n = io_mic->bytes_left / 2u;
    if (n == 0) return 0;
    uint32_t have = 0;
    if (io_mic->has_carry) {
        o_buf[0] = io_mic->carry;
        have = 1;
    }
    const ssize_t got = read(io_mic->fd, o_buf + have, (size_t)(2u * n - have));
    if (got > 0) {
        have += (uint32_t)got;
        io_mic->bytes_left -= (uint64_t)got;
    }
    io_mic->has_carry = (int)(have & 1u);
    if (io_mic->has_carry) io_mic->carry = o_buf[have - 1];
    io_mic->delivered += have / 2u;
    return have / 2u;
}

void hs_mic_file_close(hs_mic_file_t *io_mic)
{
    if (io_mic->fd >= 0) close(io_mic->fd);
    io_mic->fd = -1;
}
