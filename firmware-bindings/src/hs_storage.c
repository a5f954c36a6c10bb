/* hs_storage.c: slot byte storage with NOR semantics over a port's flash (see hs_storage.h). */
#include "hetsyn/hs_storage.h"

#include <string.h>

/* Bytes compared per device read while checking that a write lands on erased bytes. */
#define CHECK_CHUNK 32u

static uint32_t unit_bytes(const hs_storage_t *i_storage)
{
    return i_storage->layout->write_bytes;
}

static uint32_t full_mask(uint32_t i_unit)
{
    return i_unit >= 32u ? 0xFFFFFFFFu : (1u << i_unit) - 1u;
}

int32_t hs_storage_init(hs_storage_t *o_storage, const hs_storage_layout_t *i_layout, const hs_flash_ops_t *i_ops,
                        void *io_context)
{
    const uint32_t w = i_layout->write_bytes;
    const uint32_t e = i_layout->erase_bytes;
    const uint32_t s = i_layout->slot_bytes;
    if (w == 0 || w > HS_STORAGE_MAX_WRITE_BYTES || (16u % w) != 0) return HS_E_RANGE;
    if (e == 0 || (e % w) != 0 || s < 16u || (s % e) != 0) return HS_E_RANGE;
    for (int i = 0; i < HS_SLOT_COUNT; i++) {
        const uint32_t a = i_layout->slot_address[i];
        if ((a % e) != 0 || a > 0xFFFFFFFFu - s) return HS_E_RANGE;
    }
    const uint32_t a0 = i_layout->slot_address[0];
    const uint32_t a1 = i_layout->slot_address[1];
    if ((a0 < a1 && a0 + s > a1) || (a1 <= a0 && a1 + s > a0)) return HS_E_RANGE;
    o_storage->layout = i_layout;
    o_storage->ops = i_ops;
    o_storage->context = io_context;
    o_storage->pending_address = HS_STORAGE_NONE;
    o_storage->pending_filled = 0;
    memset(o_storage->pending, 0xFF, sizeof o_storage->pending);
    return HS_OK;
}

uint32_t hs_storage_slot_bytes(const hs_storage_t *i_storage)
{
    return i_storage->layout->slot_bytes;
}

/* HS_OK and the slot's device address when slot, offset and length are inside the slot. */
static int32_t locate(const hs_storage_t *i_storage, int32_t i_slot, uint32_t i_offset, uint32_t i_len,
                      uint32_t *o_address)
{
    if (i_slot < 0 || i_slot >= HS_SLOT_COUNT) return HS_E_SLOT;
    const uint32_t size = i_storage->layout->slot_bytes;
    if (i_offset > size || i_len > size - i_offset) return HS_E_RANGE;
    *o_address = i_storage->layout->slot_address[i_slot] + i_offset;
    return HS_OK;
}

int32_t hs_storage_flush(hs_storage_t *io_storage)
{
    if (io_storage->pending_address == HS_STORAGE_NONE) return HS_OK;
    const uint32_t address = io_storage->pending_address;
    io_storage->pending_address = HS_STORAGE_NONE;
    io_storage->pending_filled = 0;
    const int32_t status =
        io_storage->ops->program(io_storage->context, address, io_storage->pending, unit_bytes(io_storage));
    memset(io_storage->pending, 0xFF, sizeof io_storage->pending);
    return status == 0 ? HS_OK : HS_E_DEVICE;
}

const uint8_t *hs_storage_map(hs_storage_t *io_storage, int32_t i_slot)
{
    uint32_t address = 0;
    const uint32_t bytes = io_storage->layout->slot_bytes;
    if (io_storage->ops->map == NULL || locate(io_storage, i_slot, 0, bytes, &address) != HS_OK) return NULL;
    if (hs_storage_flush(io_storage) != HS_OK) return NULL;
    return io_storage->ops->map(io_storage->context, address, bytes);
}

int32_t hs_storage_erase(hs_storage_t *io_storage, int32_t i_slot)
{
    uint32_t address;
    const int32_t status = locate(io_storage, i_slot, 0, 0, &address);
    if (status != HS_OK) return status;
    const uint32_t size = io_storage->layout->slot_bytes;
    const uint32_t pending = io_storage->pending_address;
    if (pending != HS_STORAGE_NONE && pending - address < size) {
        io_storage->pending_address = HS_STORAGE_NONE;
        io_storage->pending_filled = 0;
        memset(io_storage->pending, 0xFF, sizeof io_storage->pending);
    }
    return io_storage->ops->erase(io_storage->context, address, size) == 0 ? HS_OK : HS_E_DEVICE;
}

/* Whether the device byte at i_address counts as written: programmed, or filled while pending. */
static int pending_filled(const hs_storage_t *i_storage, uint32_t i_address)
{
    const uint32_t p = i_storage->pending_address;
    if (p == HS_STORAGE_NONE || i_address - p >= unit_bytes(i_storage)) return 0;
    return (i_storage->pending_filled >> (i_address - p)) & 1u;
}

/* HS_OK when every byte of [i_address, +i_len) is erased and not filled in the pending unit. */
static int32_t check_erased(hs_storage_t *io_storage, uint32_t i_address, uint32_t i_len)
{
    uint8_t chunk[CHECK_CHUNK];
    while (i_len > 0) {
        const uint32_t n = i_len < CHECK_CHUNK ? i_len : CHECK_CHUNK;
        if (io_storage->ops->read(io_storage->context, i_address, chunk, n) != 0) return HS_E_DEVICE;
        for (uint32_t i = 0; i < n; i++) {
            if (chunk[i] != 0xFF || pending_filled(io_storage, i_address + i)) return HS_E_NOT_ERASED;
        }
        i_address += n;
        i_len -= n;
    }
    return HS_OK;
}

int32_t hs_storage_write(hs_storage_t *io_storage, int32_t i_slot, uint32_t i_offset, const uint8_t *i_data,
                         uint32_t i_len)
{
    uint32_t address;
    int32_t status = locate(io_storage, i_slot, i_offset, i_len, &address);
    if (status != HS_OK) return status;
    status = check_erased(io_storage, address, i_len);
    if (status != HS_OK) return status;
    const uint32_t w = unit_bytes(io_storage);
    while (i_len > 0) {
        const uint32_t unit = address - (address % w);
        const uint32_t at = address - unit;
        /* Whole units with nothing pending in them go straight to the device, as one run. */
        if (at == 0 && i_len >= w && io_storage->pending_address != unit) {
            status = hs_storage_flush(io_storage);
            if (status != HS_OK) return status;
            const uint32_t run = i_len - (i_len % w);
            if (io_storage->ops->program(io_storage->context, address, i_data, run) != 0) return HS_E_DEVICE;
            address += run;
            i_data += run;
            i_len -= run;
            continue;
        }
        /* Otherwise the bytes join the pending unit (after programming another pending one). */
        if (io_storage->pending_address != unit) {
            status = hs_storage_flush(io_storage);
            if (status != HS_OK) return status;
            io_storage->pending_address = unit;
        }
        const uint32_t n = (w - at) < i_len ? (w - at) : i_len;
        memcpy(&io_storage->pending[at], i_data, n);
        io_storage->pending_filled |= full_mask(n) << at;
        address += n;
        i_data += n;
        i_len -= n;
        if (io_storage->pending_filled == full_mask(w)) {
            status = hs_storage_flush(io_storage);
            if (status != HS_OK) return status;
        }
    }
    return HS_OK;
}

int32_t hs_storage_read(hs_storage_t *io_storage, int32_t i_slot, uint32_t i_offset, uint8_t *o_data,
                        uint32_t i_len)
{
    uint32_t address;
    const int32_t status = locate(io_storage, i_slot, i_offset, i_len, &address);
    if (status != HS_OK) return status;
    if (i_len == 0) return HS_OK;
    if (io_storage->ops->read(io_storage->context, address, o_data, i_len) != 0) return HS_E_DEVICE;
    /* Overlay the bytes still held back in the pending unit. */
    const uint32_t p = io_storage->pending_address;
    if (p != HS_STORAGE_NONE) {
        for (uint32_t i = 0; i < unit_bytes(io_storage); i++) {
            const uint32_t a = p + i;
            if (((io_storage->pending_filled >> i) & 1u) && a - address < i_len) {
                o_data[a - address] = io_storage->pending[i];
            }
        }
    }
    return HS_OK;
}

/* ---- A NOR flash in RAM ---- */

static int32_t ram_erase(void *io_context, uint32_t i_address, uint32_t i_bytes)
{
    hs_ram_flash_t *flash = (hs_ram_flash_t *)io_context;
    if (i_address > flash->size || i_bytes > flash->size - i_address) return -1;
    memset(&flash->bytes[i_address], 0xFF, i_bytes);
    flash->erase_count++;
    return 0;
}

static int32_t ram_program(void *io_context, uint32_t i_address, const uint8_t *i_data, uint32_t i_bytes)
{
    hs_ram_flash_t *flash = (hs_ram_flash_t *)io_context;
    if (i_address > flash->size || i_bytes > flash->size - i_address) return -1;
    /* Programming only clears bits, as on NOR flash. */
    for (uint32_t i = 0; i < i_bytes; i++) flash->bytes[i_address + i] &= i_data[i];
    flash->program_count++;
    return 0;
}

static int32_t ram_read(void *io_context, uint32_t i_address, uint8_t *o_data, uint32_t i_bytes)
{
    const hs_ram_flash_t *flash = (const hs_ram_flash_t *)io_context;
    if (i_address > flash->size || i_bytes > flash->size - i_address) return -1;
    memcpy(o_data, &flash->bytes[i_address], i_bytes);
    return 0;
}

static const uint8_t *ram_map(void *io_context, uint32_t i_address, uint32_t i_bytes)
{
    const hs_ram_flash_t *flash = (const hs_ram_flash_t *)io_context;
    if (i_address > flash->size || i_bytes > flash->size - i_address) return NULL;
    return &flash->bytes[i_address];
}

const hs_flash_ops_t hs_ram_flash_ops = {ram_erase, ram_program, ram_read, ram_map};
