/* hs_log.c: see hs_log.h. */
#include "hetsyn/hs_log.h"

#include "hetsyn/hs_board.h"

static void put(hs_line_t *io_line, char i_c)
{
    /* Keep room for "..." at the end of a line that does not fit. */
    if (io_line->cut) return;
    if (io_line->len + 4 >= HS_LOG_LINE_MAX) {
        io_line->cut = 1;
        return;
    }
    io_line->text[io_line->len++] = i_c;
}

void hs_line_start(hs_line_t *o_line, const char *i_prefix)
{
    o_line->len = 0;
    o_line->cut = 0;
    hs_line_str(o_line, i_prefix);
}

void hs_line_str(hs_line_t *io_line, const char *i_text)
{
    if (i_text == 0) i_text = "(null)";
    while (*i_text != 0) put(io_line, *i_text++);
}

void hs_line_bytes(hs_line_t *io_line, const uint8_t *i_text, uint32_t i_len)
{
    for (uint32_t i = 0; i < i_len && !io_line->cut; i++) {
        const uint8_t c = i_text[i];
        put(io_line, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
    }
}

void hs_line_u32(hs_line_t *io_line, uint32_t i_value)
{
    char digits[10];
    uint32_t n = 0;
    do {
        digits[n++] = (char)('0' + i_value % 10u);
        i_value /= 10u;
    } while (i_value != 0);
    while (n > 0) put(io_line, digits[--n]);
}

void hs_line_i32(hs_line_t *io_line, int32_t i_value)
{
    if (i_value < 0) {
        put(io_line, '-');
        hs_line_u32(io_line, (uint32_t)0 - (uint32_t)i_value);
    } else {
        hs_line_u32(io_line, (uint32_t)i_value);
    }
}

/* Ends a cut line with "..." (put() always leaves room for it and the NUL). */
static void finish(hs_line_t *io_line)
{
    if (io_line->cut == 1) {
        for (int i = 0; i < 3; i++) io_line->text[io_line->len++] = '.';
        io_line->cut = 2;
    }
    io_line->text[io_line->len] = 0;
}

const char *hs_line_cstr(hs_line_t *io_line)
{
    finish(io_line);
    return io_line->text;
}

void hs_line_send(hs_line_t *io_line)
{
    finish(io_line);
    hs_board_log(io_line->text, io_line->len);
}
