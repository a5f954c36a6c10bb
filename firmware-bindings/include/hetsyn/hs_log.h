/*
 * hs_log.h: building one log line without printf (newlib's printf alone costs more flash than
 * all of firmware-bindings). A line is cut at HS_LOG_LINE_MAX - 1 characters, ending in "...".
 */
#ifndef HS_LOG_H
#define HS_LOG_H

#include <stdint.h>

#include "hs_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hs_line {
    char text[HS_LOG_LINE_MAX];
    uint32_t len;
    uint32_t cut; /**< nonzero once something did not fit */
} hs_line_t;

void hs_line_start(hs_line_t *o_line, const char *i_prefix);
/** Appends a NUL-terminated string (NULL appends "(null)"). */
void hs_line_str(hs_line_t *io_line, const char *i_text);
/** Appends i_len bytes, replacing control characters (and so any newline) by '?'. */
void hs_line_bytes(hs_line_t *io_line, const uint8_t *i_text, uint32_t i_len);
void hs_line_u32(hs_line_t *io_line, uint32_t i_value);
void hs_line_i32(hs_line_t *io_line, int32_t i_value);
/** The line so far as a NUL-terminated string (valid until the line changes). */
const char *hs_line_cstr(hs_line_t *io_line);
/** Sends the line to hs_board_log. */
void hs_line_send(hs_line_t *io_line);

#ifdef __cplusplus
}
#endif

#endif /* HS_LOG_H */
