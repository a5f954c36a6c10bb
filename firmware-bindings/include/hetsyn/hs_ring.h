/*
 * hs_ring.h: a single-producer single-consumer byte ring for interrupt-driven UART drivers. One
 * side may run in an interrupt handler and the other in the main loop without a lock: each index
 * is written by one side only, and both are free-running 32-bit counters (their difference is the
 * fill level), so a full ring and an empty one are never confused. Capacity: a power of two.
 */
#ifndef HS_RING_H
#define HS_RING_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hs_ring {
    uint8_t *bytes;
    uint32_t mask;          /**< capacity - 1 */
    volatile uint32_t head; /**< written by the producer: bytes ever put */
    volatile uint32_t tail; /**< written by the consumer: bytes ever taken */
    volatile uint32_t dropped; /**< bytes a full ring refused (producer side) */
} hs_ring_t;

/** Sets up a ring over i_bytes[i_capacity]; false unless i_capacity is a power of two >= 2. */
bool hs_ring_init(hs_ring_t *o_ring, uint8_t *i_bytes, uint32_t i_capacity);

/** Bytes waiting. */
uint32_t hs_ring_used(const hs_ring_t *i_ring);

/** Producer: appends one byte; false (and counts it) when full. */
bool hs_ring_put(hs_ring_t *io_ring, uint8_t i_byte);

/** Producer: appends up to i_len bytes, returns how many fitted. */
uint32_t hs_ring_write(hs_ring_t *io_ring, const uint8_t *i_data, uint32_t i_len);

/** Consumer: takes one byte into *o_byte; false when empty. */
bool hs_ring_get(hs_ring_t *io_ring, uint8_t *o_byte);

/** Consumer: takes up to i_len bytes, returns how many. */
uint32_t hs_ring_read(hs_ring_t *io_ring, uint8_t *o_data, uint32_t i_len);

#ifdef __cplusplus
}
#endif

#endif /* HS_RING_H */
