/*
 * fake.h: the fake runtime boundary (fake_vm.c) and the fake board (fake_board.c) that the host
 * tests run the natives against.
 *
 * The fake linear memory sits between two guard zones inside one allocation, so a test can prove
 * that a refused call wrote nothing, neither inside memory nor past its end:
 *
 *     | guard (0xCC) | linear memory (bytes) | guard (0xCC) |
 */
#ifndef HS_FAKE_H
#define HS_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "hetsyn/hs_abi.h"
#include "hetsyn/hs_storage.h"

#define FAKE_GUARD_BYTES 64u
#define FAKE_GUARD_FILL 0xCC

typedef struct fake_env {
    uint8_t *block;  /* guard + memory + guard */
    uint8_t *memory; /* linear memory offset 0 */
    uint32_t bytes;
    bool has_memory;
    /* What the runtime maps into the module's address space beyond linear memory (a shared heap):
     * native [mapped, +mapped_bytes) at module address mapped_at; none while mapped is NULL. */
    const uint8_t *mapped;
    uint32_t mapped_bytes;
    uint32_t mapped_at;
    int raised;
    char exception[HS_LOG_LINE_MAX];
} fake_env_t;

/** A fresh instance with i_bytes of linear memory filled with i_fill. */
void fake_env_open(fake_env_t *o_env, uint32_t i_bytes, uint8_t i_fill);
void fake_env_close(fake_env_t *io_env);
/** Whether both guard zones are untouched. */
bool fake_env_guards_intact(const fake_env_t *i_env);
/** Whether every byte of linear memory still equals i_fill. */
bool fake_env_memory_is(const fake_env_t *i_env, uint8_t i_fill);

/* ---- the fake board ---- */

/** Resets UART queues, log, clock; storage gets i_layout (NULL: a default 2 x 4 KiB, unit 4). */
void fake_board_reset(const hs_storage_layout_t *i_layout);
/** Queues bytes for hs_board_uart_read. */
void fake_board_uart_receive(const uint8_t *i_data, uint32_t i_len);
/** Bytes still waiting to be read. */
uint32_t fake_board_uart_pending(void);
/** Limits how many bytes hs_board_uart_write takes in total from now on. */
void fake_board_uart_tx_room(uint32_t i_bytes);
/** Queues bytes (little-endian samples) for hs_board_mic_read. */
void fake_board_mic_receive(const uint8_t *i_data, uint32_t i_len);
/** Microphone bytes still waiting to be read. */
uint32_t fake_board_mic_pending(void);
/** Added to what hs_board_mic_read returns, without writing more: a port claiming too much. */
extern uint32_t fake_board_mic_overclaim;
extern uint8_t fake_board_tx[4096];
extern uint32_t fake_board_tx_len;
extern uint32_t fake_board_clock;
extern char fake_board_last_log[512];
extern int fake_board_log_count;
extern hs_ram_flash_t fake_board_flash;

#endif /* HS_FAKE_H */
