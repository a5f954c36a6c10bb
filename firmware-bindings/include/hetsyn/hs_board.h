/*
 * hs_board.h: the board-support interface, everything a port implements. Porting to a new
 * board means these functions and one hs_board_profile_t; nothing else in firmware-bindings knows
 * which board it runs on. See ports/mps2-an386 (bare metal, QEMU), ports/posix (a host process),
 * and ports/real-board.md (nRF52840, STM32F4).
 *
 * All of them are called from the main loop only (never from an interrupt), while a wasm call is
 * in progress. None may block for long except storage erase, which the module calls only while
 * handling a request.
 */
#ifndef HS_BOARD_H
#define HS_BOARD_H

#include <stdint.h>

#include "hs_storage.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Board differences as data: the numbers the runner and the budget need. */
typedef struct hs_board_profile {
    const char *name;
    uint32_t pool_bytes;      /**< WAMR's static pool (module, instance, linear memory, stacks) */
    uint32_t wasm_stack_bytes; /**< the instance's wasm operand/frame stack, carved from the pool */
    uint32_t uart_baud;
    uint32_t uart_rx_bytes; /**< receive ring: at least the protocol window x maxFrame */
    uint32_t uart_tx_bytes; /**< transmit ring */
} hs_board_profile_t;

/** The profile of the board this firmware was built for. */
extern const hs_board_profile_t hs_board_profile;

/** Brings up clocks, the UARTs and storage. Called once, first. */
void hs_board_init(void);

/** Non-blocking: copies up to i_len received bytes into o_buf, returns how many (0 when none). */
uint32_t hs_board_uart_read(uint8_t *o_buf, uint32_t i_len);

/** Non-blocking: queues up to i_len bytes for transmission, returns how many it took. */
uint32_t hs_board_uart_write(const uint8_t *i_buf, uint32_t i_len);

/** A free-running microsecond clock; wraps at 2^32. */
uint32_t hs_board_clock_us(void);

/** One line of text for the debug log (not the protocol UART); no newline in i_text. */
void hs_board_log(const char *i_text, uint32_t i_len);

/**
 * Non-blocking: copies up to i_samples of the microphone's 16-bit mono PCM (at the model's
 * front-end rate, oldest first) into o_buf as little-endian bytes, returns how many samples (0 when
 * none yet, or on a board without a microphone). A driver fills a ring from its interrupt or DMA
 * and drops samples when the ring is full; the module never waits for it.
 */
uint32_t hs_board_mic_read(uint8_t *o_buf, uint32_t i_samples);

/** The board's model storage (set up by hs_board_init). */
hs_storage_t *hs_board_storage(void);

/** Waits until something may have happened (a UART interrupt); may return at once. */
void hs_board_idle(void);

#ifdef __cplusplus
}
#endif

#endif /* HS_BOARD_H */
