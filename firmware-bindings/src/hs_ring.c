/* hs_ring.c: see hs_ring.h. */
#include "hetsyn/hs_ring.h"

bool hs_ring_init(hs_ring_t *o_ring, uint8_t *i_bytes, uint32_t i_capacity)
{
    if (i_capacity < 2 || (i_capacity & (i_capacity - 1)) != 0) return false;
    o_ring->bytes = i_bytes;
    o_ring->mask = i_capacity - 1;
    o_ring->head = 0;
    o_ring->tail = 0;
    o_ring->dropped = 0;
    return true;
}

uint32_t hs_ring_used(const hs_ring_t *i_ring)
{
    return i_ring->head - i_ring->tail;
}

bool hs_ring_put(hs_ring_t *io_ring, uint8_t i_byte)
{
    const uint32_t head = io_ring->head;
    if (head - io_ring->tail > io_ring->mask) {
        io_ring->dropped++;
        return false;
    }
    io_ring->bytes[head & io_ring->mask] = i_byte;
    /* The byte is stored before the index that publishes it (a compiler barrier suffices on a
     * single core: the interrupt sees memory in program order). */
    __asm__ volatile("" ::: "memory");
    io_ring->head = head + 1;
    return true;
}

uint32_t hs_ring_write(hs_ring_t *io_ring, const uint8_t *i_data, uint32_t i_len)
{
    uint32_t n = 0;
    while (n < i_len && io_ring->head - io_ring->tail <= io_ring->mask) {
        const uint32_t head = io_ring->head;
        io_ring->bytes[head & io_ring->mask] = i_data[n++];
        __asm__ volatile("" ::: "memory");
        io_ring->head = head + 1;
    }
    return n;
}

bool hs_ring_get(hs_ring_t *io_ring, uint8_t *o_byte)
{
    const uint32_t tail = io_ring->tail;
    if (io_ring->head == tail) return false;
    *o_byte = io_ring->bytes[tail & io_ring->mask];
    __asm__ volatile("" ::: "memory");
    io_ring->tail = tail + 1;
    return true;
}

uint32_t hs_ring_read(hs_ring_t *io_ring, uint8_t *o_data, uint32_t i_len)
{
    uint32_t n = 0;
    while (n < i_len && hs_ring_get(io_ring, &o_data[n])) n++;
    return n;
}
