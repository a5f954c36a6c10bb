/*
 * test_natives.c: the env imports against a fake runtime boundary and a fake board. Every
 * buffer argument is tried inside, at the edges of, and outside linear memory: a buffer that does
 * not fit is refused with an exception and nothing is read, written, sent or logged.
 */
#include <stdlib.h>
#include <string.h>

#include "hetsyn/hs_abi.h"
#include "hetsyn/hs_board.h"

#include "fake.h"
#include "hs_test.h"

HS_TEST_DEFINE_GLOBALS;

#define MEMORY_BYTES 1024u
#define FILL 0x5A

static fake_env_t env;

static void setup(void)
{
    fake_board_reset(NULL);
    fake_env_open(&env, MEMORY_BYTES, FILL);
}

static void teardown(void)
{
    CHECK(fake_env_guards_intact(&env));
    fake_env_close(&env);
}

/* Offsets and lengths that do not fit a memory of MEMORY_BYTES, as (pointer, length) pairs. */
typedef struct span {
    const char *what;
    int64_t offset; /* from linear memory offset 0; may be negative or past the end */
    uint32_t len;
} span_t;

static const span_t OUTSIDE[] = {
    {"one byte past the end", MEMORY_BYTES - 4, 5},
    {"starting at the end", MEMORY_BYTES, 1},
    {"starting past the end", MEMORY_BYTES + 1, 0},
    {"before memory", -1, 4},
    {"length wrapping around", 16, 0xFFFFFFFFu},
    {"length of all memory plus one", 0, MEMORY_BYTES + 1},
};
#define OUTSIDE_COUNT (sizeof OUTSIDE / sizeof OUTSIDE[0])

static uint8_t *at(int64_t i_offset)
{
    return env.memory + i_offset;
}

static void test_uart_read_inside(void)
{
    setup();
    const uint8_t bytes[5] = {1, 2, 3, 4, 5};
    fake_board_uart_receive(bytes, sizeof bytes);
    CHECK_EQ(hs_native_uart_read(&env, at(MEMORY_BYTES - 3), 3), 3);
    CHECK(memcmp(at(MEMORY_BYTES - 3), bytes, 3) == 0);
    CHECK_EQ(hs_native_uart_read(&env, at(0), 100), 2);
    CHECK(at(0)[0] == 4 && at(0)[1] == 5 && at(0)[2] == FILL);
    CHECK_EQ(hs_native_uart_read(&env, at(0), 100), 0);
    /* An empty buffer at the very end is inside. */
    CHECK_EQ(hs_native_uart_read(&env, at(MEMORY_BYTES), 0), 0);
    CHECK_EQ(env.raised, 0);
    teardown();
}

static void test_uart_read_outside(void)
{
    for (unsigned i = 0; i < OUTSIDE_COUNT; i++) {
        setup();
        const uint8_t bytes[8] = {9, 9, 9, 9, 9, 9, 9, 9};
        fake_board_uart_receive(bytes, sizeof bytes);
        CHECK_EQ(hs_native_uart_read(&env, at(OUTSIDE[i].offset), OUTSIDE[i].len), 0);
        CHECK_EQ(env.raised, 1);
        CHECK(strstr(env.exception, "uart_read") != NULL);
        CHECK(fake_env_memory_is(&env, FILL));
        CHECK_EQ(fake_board_uart_pending(), 8); /* nothing consumed */
        if (env.raised != 1) fprintf(stderr, "  case: %s\n", OUTSIDE[i].what);
        teardown();
    }
}

static void test_no_memory_refuses(void)
{
    setup();
    env.has_memory = false;
    const uint8_t bytes[2] = {1, 2};
    fake_board_uart_receive(bytes, 2);
    CHECK_EQ(hs_native_uart_read(&env, at(0), 2), 0);
    CHECK_EQ(hs_native_uart_write(&env, at(0), 2), 0);
    CHECK_EQ(env.raised, 2);
    CHECK_EQ(fake_board_uart_pending(), 2);
    CHECK_EQ(fake_board_tx_len, 0);
    /* A NULL pointer (no linear memory behind it) is refused even with length 0. */
    env.has_memory = true;
    CHECK_EQ(hs_native_uart_read(&env, NULL, 0), 0);
    CHECK_EQ(env.raised, 3);
    teardown();
}

static void test_uart_write(void)
{
    setup();
    memcpy(at(MEMORY_BYTES - 4), "abcd", 4);
    CHECK_EQ(hs_native_uart_write(&env, at(MEMORY_BYTES - 4), 4), 4);
    CHECK_EQ(fake_board_tx_len, 4);
    CHECK(memcmp(fake_board_tx, "abcd", 4) == 0);
    /* A full transmit buffer takes what fits and says so. */
    fake_board_uart_tx_room(2);
    CHECK_EQ(hs_native_uart_write(&env, at(MEMORY_BYTES - 4), 4), 2);
    CHECK_EQ(hs_native_uart_write(&env, at(MEMORY_BYTES - 4), 4), 0);
    CHECK_EQ(env.raised, 0);
    for (unsigned i = 0; i < OUTSIDE_COUNT; i++) {
        const uint32_t sent = fake_board_tx_len;
        fake_board_uart_tx_room(4096);
        CHECK_EQ(hs_native_uart_write(&env, at(OUTSIDE[i].offset), OUTSIDE[i].len), 0);
        CHECK_EQ(fake_board_tx_len, sent);
    }
    CHECK_EQ(env.raised, (int)OUTSIDE_COUNT);
    teardown();
}

static void test_storage_through_natives(void)
{
    setup();
    const uint32_t slot_bytes = (uint32_t)hs_native_storage_bytes(&env);
    CHECK_EQ(slot_bytes, 4096);
    CHECK_EQ(hs_native_storage_erase(&env, 1), HS_OK);
    CHECK_EQ(hs_native_storage_erase(&env, 2), HS_E_SLOT);
    CHECK_EQ(hs_native_storage_erase(&env, -1), HS_E_SLOT);
    memcpy(at(100), "model", 5);
    CHECK_EQ(hs_native_storage_write(&env, 1, slot_bytes - 5, at(100), 5), HS_OK);
    CHECK_EQ(hs_native_storage_write(&env, 1, slot_bytes - 4, at(100), 5), HS_E_RANGE);
    CHECK_EQ(hs_native_storage_read(&env, 1, slot_bytes - 5, at(200), 5), HS_OK);
    CHECK(memcmp(at(200), "model", 5) == 0);
    CHECK_EQ(hs_native_storage_read(&env, 1, slot_bytes - 4, at(200), 5), HS_E_RANGE);
    CHECK_EQ(env.raised, 0);
    teardown();
}

static void test_storage_map(void)
{
    setup();
    /* Unmapped by the runtime: 0, and the module refuses to load (BAD_PLACE). */
    CHECK_EQ(hs_native_storage_map(&env, 0), 0);
    /* The runtime maps both slots (the fake board's RAM flash) at the top of the address space. */
    const uint32_t slot_bytes = (uint32_t)hs_native_storage_bytes(&env);
    env.mapped = fake_board_flash.bytes;
    env.mapped_bytes = 2u * slot_bytes;
    env.mapped_at = 0u - 2u * slot_bytes;
    CHECK_EQ((uint32_t)hs_native_storage_map(&env, 0), 0u - 2u * slot_bytes);
    CHECK_EQ((uint32_t)hs_native_storage_map(&env, 1), 0u - slot_bytes);
    CHECK_EQ(hs_native_storage_map(&env, 2), 0);
    CHECK_EQ(hs_native_storage_map(&env, -1), 0);
    /* A write that ends inside a program unit is held back; mapping programs it first. */
    CHECK_EQ(hs_native_storage_erase(&env, 1), HS_OK);
    memcpy(at(100), "model", 5);
    CHECK_EQ(hs_native_storage_write(&env, 1, 16, at(100), 5), HS_OK);
    CHECK(fake_board_flash.bytes[slot_bytes + 20] == 0xFF);
    CHECK_EQ((uint32_t)hs_native_storage_map(&env, 1), 0u - slot_bytes);
    CHECK(memcmp(&fake_board_flash.bytes[slot_bytes + 16], "model", 5) == 0);
    /* A runtime that maps only part of a slot gives the module nothing. */
    env.mapped_bytes = 2u * slot_bytes - 1u;
    CHECK_EQ(hs_native_storage_map(&env, 1), 0);
    CHECK_EQ(env.raised, 0);
    teardown();
}

static void test_storage_outside_memory(void)
{
    for (unsigned i = 0; i < OUTSIDE_COUNT; i++) {
        setup();
        CHECK_EQ(hs_native_storage_erase(&env, 0), HS_OK);
        const uint32_t programs = fake_board_flash.program_count;
        CHECK_EQ(hs_native_storage_write(&env, 0, 16, at(OUTSIDE[i].offset), OUTSIDE[i].len), HS_E_MEMORY);
        CHECK_EQ(fake_board_flash.program_count, programs);
        uint8_t slot[64];
        CHECK_EQ(hs_storage_read(hs_board_storage(), 0, 0, slot, sizeof slot), HS_OK);
        for (unsigned b = 0; b < sizeof slot; b++) CHECK(slot[b] == 0xFF);
        /* A read into a buffer that does not fit writes nothing, not even its inside part. */
        CHECK_EQ(hs_native_storage_read(&env, 0, 0, at(OUTSIDE[i].offset), OUTSIDE[i].len), HS_E_MEMORY);
        CHECK(fake_env_memory_is(&env, FILL));
        CHECK_EQ(env.raised, 2);
        teardown();
    }
}

static void test_clock(void)
{
    setup();
    fake_board_clock = 123456;
    CHECK_EQ(hs_native_clock_us(&env), 123456);
    fake_board_clock = 0xFFFFFFF0u; /* u32 on the wasm side: passes through as the same bits */
    CHECK_EQ((uint32_t)hs_native_clock_us(&env), 0xFFFFFFF0u);
    teardown();
}

static void test_log(void)
{
    setup();
    memcpy(at(0), "hello\nboard\x01", 12);
    hs_native_log(&env, at(0), 12);
    CHECK_EQ(fake_board_log_count, 1);
    CHECK_STR(fake_board_last_log, "hello?board?");
    /* A long line is cut, ending in "...". */
    memset(at(0), 'x', 500);
    hs_native_log(&env, at(0), 500);
    CHECK_EQ(strlen(fake_board_last_log), HS_LOG_LINE_MAX - 1);
    CHECK(strcmp(fake_board_last_log + HS_LOG_LINE_MAX - 4, "...") == 0);
    for (unsigned i = 0; i < OUTSIDE_COUNT; i++) hs_native_log(&env, at(OUTSIDE[i].offset), OUTSIDE[i].len);
    CHECK_EQ(fake_board_log_count, 2);
    CHECK_EQ(env.raised, (int)OUTSIDE_COUNT);
    teardown();
}

/* Writes an AssemblyScript string (rtSize word, then UTF-16LE) at offset i_at; returns i_at. */
static uint32_t as_string(uint32_t i_at, const char *i_text)
{
    const uint32_t bytes = (uint32_t)strlen(i_text) * 2u;
    uint8_t *p = at(i_at - 4);
    p[0] = (uint8_t)bytes;
    p[1] = (uint8_t)(bytes >> 8);
    p[2] = 0;
    p[3] = 0;
    for (uint32_t i = 0; i < bytes / 2; i++) {
        p[4 + 2 * i] = (uint8_t)i_text[i];
        p[5 + 2 * i] = 0;
    }
    return i_at;
}

static void test_abort(void)
{
    setup();
    const uint32_t message = as_string(64, "index out of range");
    const uint32_t file = as_string(256, "assembly/engine/step.ts");
    hs_native_hetsyn_abort(&env, message, file, 42, 7);
    CHECK_EQ(env.raised, 1);
    CHECK_STR(env.exception, "hetsyn_abort");
    CHECK_STR(fake_board_last_log, "hetsyn_abort: index out of range at assembly/engine/step.ts:42:7");
    /* Non-ASCII UTF-16 shows as '?'. */
    at(message)[0] = 0xE9;
    hs_native_hetsyn_abort(&env, message, 0, 1, 2);
    CHECK_STR(fake_board_last_log, "hetsyn_abort: ?ndex out of range at (null):1:2");
    teardown();
}

static void test_abort_hostile_strings(void)
{
    setup();
    hs_native_hetsyn_abort(&env, 0, 0, 0, 0);
    CHECK_STR(fake_board_last_log, "hetsyn_abort: (null) at (null):0:0");
    hs_native_hetsyn_abort(&env, 2, MEMORY_BYTES + 8, 0, 0);
    CHECK_STR(fake_board_last_log, "hetsyn_abort: (bad string pointer) at (bad string pointer):0:0");
    /* A string that ends exactly at the end of memory is fine; one byte more is not. */
    const uint32_t s = as_string(MEMORY_BYTES - 8, "abcd");
    hs_native_hetsyn_abort(&env, s, 0, 0, 0);
    CHECK_STR(fake_board_last_log, "hetsyn_abort: abcd at (null):0:0");
    at(s - 4)[0] = 9;
    hs_native_hetsyn_abort(&env, s, 0, 0, 0);
    CHECK_STR(fake_board_last_log, "hetsyn_abort: (bad string length) at (null):0:0");
    at(s - 4)[0] = 8;
    at(s - 4)[3] = 0x80; /* 2^31 + 8 */
    hs_native_hetsyn_abort(&env, s, 0, 0, 0);
    CHECK_STR(fake_board_last_log, "hetsyn_abort: (bad string length) at (null):0:0");
    /* A string as long as memory is cut, not overrun. */
    const uint32_t big = as_string(8, "");
    at(big - 4)[0] = (uint8_t)(MEMORY_BYTES - 8);
    at(big - 4)[1] = (uint8_t)((MEMORY_BYTES - 8) >> 8);
    hs_native_hetsyn_abort(&env, big, 0, 0, 0);
    CHECK_EQ(strlen(fake_board_last_log), HS_LOG_LINE_MAX - 1);
    env.has_memory = false;
    hs_native_hetsyn_abort(&env, s, s, 3, 4);
    CHECK_STR(fake_board_last_log, "hetsyn_abort: (no linear memory):3:4");
    CHECK_EQ(env.raised, 7);
    teardown();
}

static void test_mic_read(void)
{
    setup();
    const uint8_t pcm[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    fake_board_mic_receive(pcm, sizeof pcm);
    /* Whole samples only: an odd length leaves its last byte alone. */
    CHECK_EQ(hs_native_mic_read(&env, at(MEMORY_BYTES - 7), 7), 6);
    CHECK(memcmp(at(MEMORY_BYTES - 7), pcm, 6) == 0);
    CHECK(at(MEMORY_BYTES - 1)[0] == FILL);
    CHECK_EQ(hs_native_mic_read(&env, at(0), 1), 0);
    CHECK_EQ(hs_native_mic_read(&env, at(0), 100), 4);
    CHECK(memcmp(at(0), pcm + 6, 4) == 0 && at(0)[4] == FILL);
    CHECK_EQ(hs_native_mic_read(&env, at(0), 100), 0);
    CHECK_EQ(env.raised, 0);
    /* A port that claims more samples than it was offered is held to the buffer. */
    fake_board_mic_receive(pcm, 4);
    fake_board_mic_overclaim = 3;
    CHECK_EQ(hs_native_mic_read(&env, at(0), 4), 4);
    teardown();
}

static void test_mic_read_outside(void)
{
    for (unsigned i = 0; i < OUTSIDE_COUNT; i++) {
        setup();
        const uint8_t pcm[8] = {9, 9, 9, 9, 9, 9, 9, 9};
        fake_board_mic_receive(pcm, sizeof pcm);
        CHECK_EQ(hs_native_mic_read(&env, at(OUTSIDE[i].offset), OUTSIDE[i].len), 0);
        CHECK_EQ(env.raised, 1);
        CHECK(strstr(env.exception, "mic_read") != NULL);
        CHECK(fake_env_memory_is(&env, FILL));
        CHECK_EQ(fake_board_mic_pending(), 8); /* nothing consumed */
        if (env.raised != 1) fprintf(stderr, "  case: %s\n", OUTSIDE[i].what);
        teardown();
    }
}

static void test_table(void)
{
    /* Names unique, signatures well formed: ( [i*~]... ) [i]?, '~' only right after '*'. */
    for (int i = 0; i < HS_NATIVE_COUNT; i++) {
        const char *s = hs_natives[i].signature;
        CHECK(hs_natives[i].fn != NULL);
        CHECK(s[0] == '(');
        const char *close = strchr(s, ')');
        CHECK(close != NULL);
        if (close == NULL) continue;
        for (const char *p = s + 1; p < close; p++) {
            CHECK(*p == 'i' || *p == '*' || *p == '~');
            if (*p == '~') CHECK(p[-1] == '*');
            if (*p == '*') CHECK(p[1] == '~');
        }
        CHECK(strcmp(close, ")") == 0 || strcmp(close, ")i") == 0);
        for (int j = 0; j < i; j++) CHECK(strcmp(hs_natives[i].name, hs_natives[j].name) != 0);
    }
}

int main(void)
{
    RUN(test_uart_read_inside);
    RUN(test_uart_read_outside);
    RUN(test_no_memory_refuses);
    RUN(test_uart_write);
    RUN(test_storage_through_natives);
    RUN(test_storage_map);
    RUN(test_storage_outside_memory);
    RUN(test_clock);
    RUN(test_log);
    RUN(test_abort);
    RUN(test_abort_hostile_strings);
    RUN(test_mic_read);
    RUN(test_mic_read_outside);
    RUN(test_table);
    return HS_TEST_SUMMARY();
}
