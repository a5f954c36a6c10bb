/* test_log.c: log lines: numbers, cutting at HS_LOG_LINE_MAX, control characters. */
#include <string.h>

#include "hetsyn/hs_log.h"

#include "fake.h"
#include "hs_test.h"

HS_TEST_DEFINE_GLOBALS;

static void test_numbers(void)
{
    fake_board_reset(NULL);
    hs_line_t line;
    hs_line_start(&line, "n=");
    hs_line_u32(&line, 0);
    hs_line_str(&line, " ");
    hs_line_u32(&line, 4294967295u);
    hs_line_str(&line, " ");
    hs_line_i32(&line, -2147483647 - 1);
    hs_line_str(&line, " ");
    hs_line_i32(&line, 7);
    hs_line_send(&line);
    CHECK_STR(fake_board_last_log, "n=0 4294967295 -2147483648 7");
}

static void test_cut(void)
{
    fake_board_reset(NULL);
    hs_line_t line;
    hs_line_start(&line, NULL);
    for (int i = 0; i < 100; i++) hs_line_str(&line, "abc");
    hs_line_u32(&line, 12345);
    CHECK_EQ(strlen(hs_line_cstr(&line)), HS_LOG_LINE_MAX - 1);
    hs_line_send(&line); /* finishing twice adds nothing */
    CHECK_EQ(strlen(fake_board_last_log), HS_LOG_LINE_MAX - 1);
    CHECK(strncmp(fake_board_last_log, "(null)abc", 9) == 0);
    CHECK_STR(fake_board_last_log + HS_LOG_LINE_MAX - 4, "...");
}

static void test_exact_fit(void)
{
    fake_board_reset(NULL);
    hs_line_t line;
    hs_line_start(&line, "");
    char text[HS_LOG_LINE_MAX];
    memset(text, 'y', sizeof text);
    text[HS_LOG_LINE_MAX - 4] = 0; /* the longest line that is not cut */
    hs_line_str(&line, text);
    hs_line_send(&line);
    CHECK_EQ(strlen(fake_board_last_log), HS_LOG_LINE_MAX - 4);
    CHECK(strchr(fake_board_last_log, '.') == NULL);
}

int main(void)
{
    RUN(test_numbers);
    RUN(test_cut);
    RUN(test_exact_fit);
    return HS_TEST_SUMMARY();
}
