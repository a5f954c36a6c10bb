/*
 * test_mic_file.c: the host port's microphone file (ports/posix/hs_mic_file.c): WAV and raw files,
 * paced against a given time and unpaced, half samples from a FIFO, and the files it refuses.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../ports/posix/hs_mic_file.h"
#include "hs_test.h"

HS_TEST_DEFINE_GLOBALS;

#define SAMPLES 1000u

static char s_dir[64];
static char s_path[128];
static uint8_t s_pcm[2 * SAMPLES];

static void put16(uint8_t *o_at, uint32_t i_value)
{
    o_at[0] = (uint8_t)i_value;
    o_at[1] = (uint8_t)(i_value >> 8);
}

static void put32(uint8_t *o_at, uint32_t i_value)
{
    put16(o_at, i_value);
    put16(o_at + 2, i_value >> 16);
}

static const char *write_file(const char *i_name, const uint8_t *i_bytes, uint32_t i_len)
{
    snprintf(s_path, sizeof s_path, "%s/%s", s_dir, i_name);
    FILE *f = fopen(s_path, "wb");
    CHECK(f != NULL);
    if (f == NULL) return s_path;
    CHECK_EQ(fwrite(i_bytes, 1, i_len, f), i_len);
    fclose(f);
    return s_path;
}

/*
 * A WAV of s_pcm with a padded odd-sized chunk before "fmt " and a chunk after the data, which the
 * microphone must not play. Returns its length.
 */
static uint32_t make_wav(uint8_t *o_wav, uint32_t i_rate, uint32_t i_channels, uint32_t i_bits)
{
    uint8_t *p = o_wav;
    memcpy(p, "RIFF\0\0\0\0WAVE", 12);
    p += 12;
    memcpy(p, "LIST", 4);
    put32(p + 4, 3);
    memcpy(p + 8, "abc\0", 4);
    p += 12;
    memcpy(p, "fmt ", 4);
    put32(p + 4, 16);
    put16(p + 8, 1);
    put16(p + 10, i_channels);
    put32(p + 12, i_rate);
    put32(p + 16, i_rate * i_channels * i_bits / 8u);
    put16(p + 20, i_channels * i_bits / 8u);
    put16(p + 22, i_bits);
    p += 24;
    memcpy(p, "data", 4);
    put32(p + 4, sizeof s_pcm);
    memcpy(p + 8, s_pcm, sizeof s_pcm);
    p += 8 + sizeof s_pcm;
    memcpy(p, "junk\4\0\0\0xxxx", 12);
    p += 12;
    put32(o_wav + 4, (uint32_t)(p - o_wav) - 8u);
    return (uint32_t)(p - o_wav);
}

static void test_wav_unpaced(void)
{
    static uint8_t wav[2 * SAMPLES + 128];
    const uint32_t len = make_wav(wav, 16000, 1, 16);
    hs_mic_file_t mic;
    CHECK_EQ(hs_mic_file_open(&mic, write_file("a.wav", wav, len), 8000, 0), 0);
    CHECK_EQ(mic.rate_hz, 16000);
    uint8_t out[2 * SAMPLES + 64];
    CHECK_EQ(hs_mic_file_read(&mic, out, 300, 0), 300);
    CHECK_EQ(hs_mic_file_read(&mic, out + 600, 5000, 0), SAMPLES - 300);
    CHECK(memcmp(out, s_pcm, sizeof s_pcm) == 0);
    /* The chunk after the data is not audio. */
    CHECK_EQ(hs_mic_file_read(&mic, out, 5000, 0), 0);
    hs_mic_file_close(&mic);
}

static void test_wav_paced(void)
{
    static uint8_t wav[2 * SAMPLES + 128];
    const uint32_t len = make_wav(wav, 16000, 1, 16);
    hs_mic_file_t mic;
    CHECK_EQ(hs_mic_file_open(&mic, write_file("b.wav", wav, len), 8000, 1), 0);
    uint8_t out[2 * SAMPLES];
    const uint64_t t0 = 5000000;
    CHECK_EQ(hs_mic_file_read(&mic, out, 100, t0), 0); /* it starts playing now */
    CHECK_EQ(hs_mic_file_read(&mic, out, 100, t0 + 1000), 16);
    CHECK_EQ(hs_mic_file_read(&mic, out + 32, 100, t0 + 1000), 0);
    CHECK_EQ(hs_mic_file_read(&mic, out + 32, 50, t0 + 11000), 50);
    CHECK_EQ(hs_mic_file_read(&mic, out + 132, 1000, t0 + 11000), 110);
    CHECK(memcmp(out, s_pcm, 2 * 176) == 0);
    /* Behind by a second: the backlog, up to the end of the data. */
    CHECK_EQ(hs_mic_file_read(&mic, out, 5000, t0 + 1000000), SAMPLES - 176);
    CHECK_EQ(hs_mic_file_read(&mic, out, 5000, t0 + 2000000), 0);
    hs_mic_file_close(&mic);
}

static void test_raw(void)
{
    hs_mic_file_t mic;
    /* A raw file keeps its first bytes: they are samples, not a header. */
    CHECK_EQ(hs_mic_file_open(&mic, write_file("c.raw", s_pcm, sizeof s_pcm), 8000, 1), 0);
    CHECK_EQ(mic.rate_hz, 8000);
    uint8_t out[2 * SAMPLES];
    CHECK_EQ(hs_mic_file_read(&mic, out, 100, 0), 0);
    CHECK_EQ(hs_mic_file_read(&mic, out, 100, 10000), 80);
    CHECK(memcmp(out, s_pcm, 160) == 0);
    hs_mic_file_close(&mic);
}

static void test_fifo_half_samples(void)
{
    snprintf(s_path, sizeof s_path, "%s/fifo", s_dir);
    CHECK_EQ(mkfifo(s_path, 0600), 0);
    /* Our own writer end first, so opening the reader does not wait for one. */
    const int writer = open(s_path, O_RDWR);
    CHECK(writer >= 0);
    hs_mic_file_t mic;
    CHECK_EQ(hs_mic_file_open(&mic, s_path, 16000, 0), 0);
    uint8_t out[8] = {0};
    CHECK_EQ(hs_mic_file_read(&mic, out, 4, 0), 0); /* nothing written: no wait */
    const uint8_t bytes[4] = {0x11, 0x22, 0x33, 0x44};
    CHECK_EQ(write(writer, bytes, 3), 3);
    CHECK_EQ(hs_mic_file_read(&mic, out, 4, 0), 1);
    CHECK(out[0] == 0x11 && out[1] == 0x22);
    CHECK_EQ(write(writer, bytes + 3, 1), 1);
    CHECK_EQ(hs_mic_file_read(&mic, out, 4, 0), 1);
    CHECK(out[0] == 0x33 && out[1] == 0x44);
    hs_mic_file_close(&mic);
    close(writer);
    unlink(s_path);
}

static void test_refusals(void)
{
    static uint8_t wav[4 * SAMPLES + 128];
    hs_mic_file_t mic;
    snprintf(s_path, sizeof s_path, "%s/missing.wav", s_dir);
    CHECK_EQ(hs_mic_file_open(&mic, s_path, 16000, 1), -1);
    CHECK_EQ(hs_mic_file_open(&mic, write_file("stereo.wav", wav, make_wav(wav, 16000, 2, 16)), 16000, 1), -1);
    CHECK_EQ(hs_mic_file_open(&mic, write_file("8bit.wav", wav, make_wav(wav, 16000, 1, 8)), 16000, 1), -1);
    /* Data before "fmt ": the rate and format are unknown. */
    const uint8_t early[] = "RIFF\x10\0\0\0WAVEdata\x02\0\0\0\1\2";
    CHECK_EQ(hs_mic_file_open(&mic, write_file("early.wav", early, sizeof early - 1), 16000, 1), -1);
    CHECK_EQ(hs_mic_file_open(&mic, write_file("zero.raw", s_pcm, 8), 0, 1), -1);
    /* Reading a microphone that never opened gives nothing. */
    uint8_t out[4];
    CHECK_EQ(hs_mic_file_read(&mic, out, 2, 0), 0);
}

int main(void)
{
    for (uint32_t i = 0; i < SAMPLES; i++) put16(&s_pcm[2 * i], (i * 7919u) & 0xFFFFu);
    snprintf(s_dir, sizeof s_dir, "/tmp/hs-mic-XXXXXX");
    if (mkdtemp(s_dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_wav_unpaced);
    RUN(test_wav_paced);
    RUN(test_raw);
    RUN(test_fifo_half_samples);
    RUN(test_refusals);
    const char *names[] = {"a.wav", "b.wav", "c.raw", "stereo.wav", "8bit.wav", "early.wav", "zero.raw"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(s_path, sizeof s_path, "%s/%s", s_dir, names[i]);
        unlink(s_path);
    }
    rmdir(s_dir);
    return HS_TEST_SUMMARY();
}
