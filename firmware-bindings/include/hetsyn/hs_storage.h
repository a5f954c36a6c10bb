/*
 * hs_storage.h: byte storage for the two model slots, with NOR-flash semantics, over a port's
 * flash device.
 *
 * The module owns the slot layout (docs/board-abi.md, "Storage slots"): it erases a slot, writes
 * the model at offset 16, reads it back, and writes the 16-byte header last. This layer gives it
 * what the ABI promises on any flash:
 *
 *   - erase(slot): every byte of the slot reads 0xFF afterwards;
 *   - write(slot, offset, bytes): any offset and length inside the slot, only over erased bytes
 *     (HS_E_NOT_ERASED otherwise, as NOR flash cannot turn a 0 back into a 1 without an erase);
 *   - read(slot, offset, bytes): what was written, including bytes still held back (below).
 *
 * A flash programs in units of write_bytes (1 on STM32F4, 4 on nRF52840, 8 on STM32L4). A write
 * that ends inside a unit leaves that unit pending in RAM until a later write fills it or lands in
 * another unit; then it is programmed, padded with 0xFF. Units never straddle the header/model
 * boundary at offset 16 because write_bytes must divide 16, so the header, written last, is
 * always programmed after every model byte (the power-cut guarantee of the A/B scheme).
 *
 *     slot:  | header 16 B | model bytes ....................... | 0xFF ... |
 *     units: |u0|u1|u2|u3 | u4 | u5 | ...   | pending unit (RAM) |          |
 *
 * Board differences are data: a port fills an hs_storage_layout_t and three device functions.
 */
#ifndef HS_STORAGE_H
#define HS_STORAGE_H

#include <stdint.h>

#include "hs_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The largest program unit supported; write_bytes must divide 16 (the slot header size). */
#define HS_STORAGE_MAX_WRITE_BYTES 16

/** Where the slots live on a board's flash and how that flash erases and programs. */
typedef struct hs_storage_layout {
    uint32_t slot_address[HS_SLOT_COUNT]; /**< device address of each slot, erase-block aligned */
    uint32_t slot_bytes;                  /**< capacity of each slot: a multiple of erase_bytes */
    uint32_t erase_bytes;                 /**< erase block (sector, page) size */
    uint32_t write_bytes;                 /**< program unit: 1, 2, 4, 8 or 16 */
} hs_storage_layout_t;

/**
 * The flash device. Each returns 0 on success, negative on a device failure. Addresses and sizes
 * are what the layout allows: erase gets whole erase blocks, program whole units over erased
 * bytes, read anything inside a slot.
 */
typedef struct hs_flash_ops {
    int32_t (*erase)(void *io_context, uint32_t i_address, uint32_t i_bytes);
    int32_t (*program)(void *io_context, uint32_t i_address, const uint8_t *i_data, uint32_t i_bytes);
    int32_t (*read)(void *io_context, uint32_t i_address, uint8_t *o_data, uint32_t i_bytes);
    /**
     * Where [i_address, +i_bytes) can be read as memory (memory-mapped flash, or a port's RAM
     * image of it), reflecting every program and erase; NULL when it cannot. The member may be
     * NULL for a device that is never memory (an external SPI flash).
     */
    const uint8_t *(*map)(void *io_context, uint32_t i_address, uint32_t i_bytes);
} hs_flash_ops_t;

/** Storage state: the layout, the device, and the one pending program unit. */
typedef struct hs_storage {
    const hs_storage_layout_t *layout;
    const hs_flash_ops_t *ops;
    void *context; /**< passed to the device functions */
    /** Device address of the pending unit, or HS_STORAGE_NONE. */
    uint32_t pending_address;
    /** Which bytes of the pending unit have been written (bit i: byte i). */
    uint32_t pending_filled;
    uint8_t pending[HS_STORAGE_MAX_WRITE_BYTES];
} hs_storage_t;

#define HS_STORAGE_NONE 0xFFFFFFFFu

/**
 * Sets up o_storage over a device; HS_E_RANGE if the layout is inconsistent (unit size, slot
 * alignment, overlapping slots). Does not touch the flash.
 */
int32_t hs_storage_init(hs_storage_t *o_storage, const hs_storage_layout_t *i_layout, const hs_flash_ops_t *i_ops,
                        void *io_context);

/** Capacity of each slot in bytes. */
uint32_t hs_storage_slot_bytes(const hs_storage_t *i_storage);

/** Erases a whole slot (and forgets a pending unit inside it). */
int32_t hs_storage_erase(hs_storage_t *io_storage, int32_t i_slot);

/** Writes i_len bytes at i_offset of a slot, over erased bytes only. */
int32_t hs_storage_write(hs_storage_t *io_storage, int32_t i_slot, uint32_t i_offset, const uint8_t *i_data,
                         uint32_t i_len);

/** Reads i_len bytes at i_offset of a slot, pending bytes included. */
int32_t hs_storage_read(hs_storage_t *io_storage, int32_t i_slot, uint32_t i_offset, uint8_t *o_data,
                        uint32_t i_len);

/** Programs the pending unit now, padded with 0xFF (a port may call it before a reset). */
int32_t hs_storage_flush(hs_storage_t *io_storage);

/**
 * The native address of a whole slot as memory, with the pending unit programmed first (so the
 * slot's last bytes are there); NULL for a bad slot, a failed program, or a device that is not
 * memory. The model runs from here in place (the WAMR shared heap over the slots, hs_runner.c).
 */
const uint8_t *hs_storage_map(hs_storage_t *io_storage, int32_t i_slot);

/**
 * A flash device in RAM, for the host tests (the emulated boards keep their slots in a file,
 * ports/semihosting/). It behaves like NOR: erase sets 0xFF, program ANDs (so a double program shows).
 */
typedef struct hs_ram_flash {
    uint8_t *bytes;
    uint32_t size;
    uint32_t program_count; /**< statistics for tests */
    uint32_t erase_count;
} hs_ram_flash_t;

extern const hs_flash_ops_t hs_ram_flash_ops;

#ifdef __cplusplus
}
#endif

#endif /* HS_STORAGE_H */
