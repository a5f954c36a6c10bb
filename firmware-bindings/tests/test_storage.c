/*
 * test_storage.c: slot storage with NOR semantics at its limits, for every program unit a port
 * may have (1 to 16 bytes): range checks at and past the slot's ends, writes refused over bytes
 * not erased, the module's upload sequence (model at 16 in odd-sized chunks, read back, header
 * last) and the order the device sees: every model byte is programmed before the header.
 */
#include <stdlib.h>
#include <string.h>

#include "hetsyn/hs_storage.h"

#include "hs_test.h"

HS_TEST_DEFINE_GLOBALS;

#define SLOT_BYTES 8192u
#define ERASE_BYTES 1024u
#define DEVICE_BYTES (3u * SLOT_BYTES)

/* A RAM NOR flash that also records and checks every call. */
typedef struct recorder {
    hs_ram_flash_t flash;
    uint32_t unit;
    uint32_t calls_misaligned;
    uint32_t fail_next; /* make the next device call fail */
    uint32_t programs;
    uint32_t last_program_address;
    uint32_t header_programmed_at; /* program count when address 0 of slot 1 was programmed */
    uint32_t model_programs_after_header;
    uint32_t slot_address;
} recorder_t;

static uint8_t device[DEVICE_BYTES];

static int32_t rec_erase(void *io_context, uint32_t i_address, uint32_t i_bytes)
{
    recorder_t *r = (recorder_t *)io_context;
    if (r->fail_next) return r->fail_next = 0, -1;
    if (i_address % ERASE_BYTES != 0 || i_bytes % ERASE_BYTES != 0) r->calls_misaligned++;
    return hs_ram_flash_ops.erase(&r->flash, i_address, i_bytes);
}

static int32_t rec_program(void *io_context, uint32_t i_address, const uint8_t *i_data, uint32_t i_bytes)
{
    recorder_t *r = (recorder_t *)io_context;
    if (r->fail_next) return r->fail_next = 0, -1;
    if (i_address % r->unit != 0 || i_bytes % r->unit != 0 || i_bytes == 0) r->calls_misaligned++;
    r->programs++;
    if (i_address < r->slot_address + 16 && i_address + i_bytes > r->slot_address) {
        r->header_programmed_at = r->programs;
    } else if (r->header_programmed_at != 0) {
        r->model_programs_after_header++;
    }
    return hs_ram_flash_ops.program(&r->flash, i_address, i_data, i_bytes);
}

static int32_t rec_read(void *io_context, uint32_t i_address, uint8_t *o_data, uint32_t i_bytes)
{
    recorder_t *r = (recorder_t *)io_context;
    if (r->fail_next) return r->fail_next = 0, -1;
    return hs_ram_flash_ops.read(&r->flash, i_address, o_data, i_bytes);
}

static const hs_flash_ops_t REC_OPS = {rec_erase, rec_program, rec_read, NULL};

static const uint32_t UNITS[] = {1, 2, 4, 8, 16};

static hs_storage_layout_t layout;
static recorder_t rec;
static hs_storage_t storage;

/* Slot 0 at 0 and slot 1 at 2 x SLOT_BYTES, with a gap between them that must never change. */
static void open_storage(uint32_t i_unit)
{
    memset(device, 0x00, sizeof device);
    layout = (hs_storage_layout_t){{0, 2 * SLOT_BYTES}, SLOT_BYTES, ERASE_BYTES, i_unit};
    memset(&rec, 0, sizeof rec);
    rec.flash = (hs_ram_flash_t){device, sizeof device, 0, 0};
    rec.unit = i_unit;
    rec.slot_address = layout.slot_address[1];
    CHECK_EQ(hs_storage_init(&storage, &layout, &REC_OPS, &rec), HS_OK);
}

static int all_bytes(const uint8_t *i_data, uint32_t i_len, uint8_t i_value)
{
    for (uint32_t i = 0; i < i_len; i++) {
        if (i_data[i] != i_value) return 0;
    }
    return 1;
}

static void test_layout_checks(void)
{
    const hs_storage_layout_t bad[] = {
        {{0, 8192}, 8192, 1024, 3},      /* unit does not divide 16 */
        {{0, 8192}, 8192, 1024, 32},     /* unit too large */
        {{0, 8192}, 8192, 1024, 0},      /* no unit */
        {{0, 8192}, 8000, 1000, 8},      /* erase block not a multiple of the unit */
        {{0, 8192}, 8192, 3000, 4},      /* slot not a multiple of the erase block */
        {{0, 4096}, 8192, 1024, 4},      /* overlapping slots */
        {{8192, 4096}, 8192, 1024, 4},   /* overlapping the other way */
        {{512, 16384}, 8192, 1024, 4},   /* slot not erase-aligned */
        {{0, 0xFFFFE000u}, 16384, 8192, 4}, /* slot past the end of the address space */
        {{0, 8}, 8, 8, 8},               /* slot smaller than its header */
    };
    hs_storage_t s;
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(hs_storage_init(&s, &bad[i], &hs_ram_flash_ops, NULL), HS_E_RANGE);
    }
    const hs_storage_layout_t good = {{8192, 0}, 8192, 8192, 16};
    CHECK_EQ(hs_storage_init(&s, &good, &hs_ram_flash_ops, NULL), HS_OK);
    CHECK_EQ(hs_storage_slot_bytes(&s), 8192);
}

static void test_slot_numbers(void)
{
    open_storage(4);
    uint8_t b = 0;
    const int32_t slots[] = {-1, 2, 3, 0x7FFFFFFF, (int32_t)0x80000000u};
    for (unsigned i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        CHECK_EQ(hs_storage_erase(&storage, slots[i]), HS_E_SLOT);
        CHECK_EQ(hs_storage_write(&storage, slots[i], 0, &b, 1), HS_E_SLOT);
        CHECK_EQ(hs_storage_read(&storage, slots[i], 0, &b, 1), HS_E_SLOT);
    }
    CHECK_EQ(rec.flash.erase_count, 0);
    CHECK_EQ(rec.programs, 0);
}

static void test_limits(uint32_t i_unit)
{
    open_storage(i_unit);
    CHECK_EQ(hs_storage_erase(&storage, 0), HS_OK);
    CHECK_EQ(hs_storage_erase(&storage, 1), HS_OK);
    CHECK(all_bytes(&device[0], SLOT_BYTES, 0xFF));
    CHECK(all_bytes(&device[SLOT_BYTES], SLOT_BYTES, 0x00)); /* the gap is untouched */
    const uint8_t data[4] = {1, 2, 3, 4};
    uint8_t back[4];
    /* Empty at the very end: fine. Past the end, or reaching past it: refused, nothing written. */
    CHECK_EQ(hs_storage_write(&storage, 0, SLOT_BYTES, data, 0), HS_OK);
    CHECK_EQ(hs_storage_write(&storage, 0, SLOT_BYTES + 1, data, 0), HS_E_RANGE);
    CHECK_EQ(hs_storage_write(&storage, 0, SLOT_BYTES - 1, data, 2), HS_E_RANGE);
    CHECK_EQ(hs_storage_write(&storage, 0, 0xFFFFFFFFu, data, 2), HS_E_RANGE);
    CHECK_EQ(hs_storage_write(&storage, 0, 2, data, 0xFFFFFFFFu), HS_E_RANGE);
    CHECK_EQ(hs_storage_read(&storage, 0, SLOT_BYTES - 3, back, 4), HS_E_RANGE);
    CHECK_EQ(hs_storage_read(&storage, 0, 0xFFFFFFFEu, back, 4), HS_E_RANGE);
    CHECK_EQ(rec.programs, 0);
    /* The last byte of slot 0: written, read back, slot 1 and the gap unchanged. */
    CHECK_EQ(hs_storage_write(&storage, 0, SLOT_BYTES - 1, &data[3], 1), HS_OK);
    CHECK_EQ(hs_storage_read(&storage, 0, SLOT_BYTES - 4, back, 4), HS_OK);
    CHECK(back[0] == 0xFF && back[1] == 0xFF && back[2] == 0xFF && back[3] == 4);
    CHECK_EQ(hs_storage_flush(&storage), HS_OK);
    CHECK_EQ(device[SLOT_BYTES - 1], 4);
    CHECK(all_bytes(&device[SLOT_BYTES], SLOT_BYTES, 0x00));
    CHECK(all_bytes(&device[2 * SLOT_BYTES], SLOT_BYTES, 0xFF));
    /* The whole slot in one write. */
    uint8_t *whole = malloc(SLOT_BYTES);
    for (uint32_t i = 0; i < SLOT_BYTES; i++) whole[i] = (uint8_t)(i * 7u + 1u);
    CHECK_EQ(hs_storage_write(&storage, 1, 0, whole, SLOT_BYTES), HS_OK);
    CHECK(memcmp(&device[2 * SLOT_BYTES], whole, SLOT_BYTES) == 0);
    CHECK_EQ(hs_storage_write(&storage, 1, SLOT_BYTES - 1, data, 1), HS_E_NOT_ERASED);
    free(whole);
    CHECK_EQ(rec.calls_misaligned, 0);
}

static void test_not_erased(uint32_t i_unit)
{
    open_storage(i_unit);
    uint8_t data[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    /* Never erased (the device starts at 0x00): refused. */
    CHECK_EQ(hs_storage_write(&storage, 0, 100, data, 8), HS_E_NOT_ERASED);
    CHECK_EQ(hs_storage_erase(&storage, 0), HS_OK);
    data[0] = 0x12;
    CHECK_EQ(hs_storage_write(&storage, 0, 100, data, 1), HS_OK);
    /* Over a byte written before, whether programmed already or still pending: refused. */
    CHECK_EQ(hs_storage_write(&storage, 0, 100, data, 1), HS_E_NOT_ERASED);
    CHECK_EQ(hs_storage_write(&storage, 0, 96, data, 8), HS_E_NOT_ERASED);
    uint8_t back = 0;
    CHECK_EQ(hs_storage_read(&storage, 0, 100, &back, 1), HS_OK);
    CHECK_EQ(back, 0x12);
    /* After an erase the slot takes writes again and the held-back byte is gone. */
    CHECK_EQ(hs_storage_erase(&storage, 0), HS_OK);
    CHECK_EQ(hs_storage_read(&storage, 0, 100, &back, 1), HS_OK);
    CHECK_EQ(back, 0xFF);
    CHECK_EQ(hs_storage_flush(&storage), HS_OK);
    CHECK_EQ(device[100], 0xFF);
    CHECK_EQ(hs_storage_write(&storage, 0, 100, data, 1), HS_OK);
}

/* The module's upload: erase, model at 16 in uneven chunks, read back, header at 0 last. */
static void test_upload_sequence(uint32_t i_unit)
{
    open_storage(i_unit);
    const uint32_t model_bytes = 5003;
    uint8_t *model = malloc(model_bytes);
    uint8_t *back = malloc(model_bytes);
    for (uint32_t i = 0; i < model_bytes; i++) model[i] = (uint8_t)((i * 131u) ^ (i >> 5));
    CHECK_EQ(hs_storage_erase(&storage, 1), HS_OK);
    uint32_t offset = 0, chunk = 1;
    while (offset < model_bytes) {
        const uint32_t n = chunk < model_bytes - offset ? chunk : model_bytes - offset;
        CHECK_EQ(hs_storage_write(&storage, 1, 16 + offset, &model[offset], n), HS_OK);
        offset += n;
        chunk = chunk * 3u % 251u + 1u; /* 1, 4, 13, 40, 121, 113, ... */
    }
    /* UPLOAD_END reads everything back, including a tail the flash has not programmed yet. */
    CHECK_EQ(hs_storage_read(&storage, 1, 16, back, model_bytes), HS_OK);
    CHECK(memcmp(back, model, model_bytes) == 0);
    CHECK_EQ(rec.header_programmed_at, 0);
    /* COMMIT writes the 16-byte header last. */
    const uint8_t header[16] = {'H', 'S', 'L', 'T', 1, 0, 0, 0, 0x8B, 0x13, 0, 0, 9, 9, 9, 9};
    CHECK_EQ(hs_storage_write(&storage, 1, 0, header, sizeof header), HS_OK);
    CHECK(rec.header_programmed_at != 0);
    CHECK_EQ(rec.model_programs_after_header, 0);
    /* On the device itself (no flush needed): header then model, erased after. */
    const uint8_t *slot = &device[2 * SLOT_BYTES];
    CHECK(memcmp(slot, header, 16) == 0);
    CHECK(memcmp(slot + 16, model, model_bytes) == 0);
    CHECK(all_bytes(slot + 16 + model_bytes, SLOT_BYTES - 16 - model_bytes, 0xFF));
    CHECK_EQ(rec.calls_misaligned, 0);
    free(model);
    free(back);
}

static void test_pending_across_slots(void)
{
    open_storage(8);
    CHECK_EQ(hs_storage_erase(&storage, 0), HS_OK);
    CHECK_EQ(hs_storage_erase(&storage, 1), HS_OK);
    const uint8_t a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
    CHECK_EQ(hs_storage_write(&storage, 0, 40, a, 3), HS_OK); /* pending in slot 0 */
    CHECK_EQ(device[40], 0xFF);
    CHECK_EQ(hs_storage_write(&storage, 1, 40, b, 3), HS_OK); /* programs slot 0's unit first */
    CHECK(device[40] == 1 && device[41] == 2 && device[42] == 3 && device[43] == 0xFF);
    /* Erasing slot 0 leaves slot 1's pending bytes alone. */
    CHECK_EQ(hs_storage_erase(&storage, 0), HS_OK);
    uint8_t back[3];
    CHECK_EQ(hs_storage_read(&storage, 1, 40, back, 3), HS_OK);
    CHECK(memcmp(back, b, 3) == 0);
    CHECK_EQ(hs_storage_flush(&storage), HS_OK);
    CHECK(memcmp(&device[2 * SLOT_BYTES + 40], b, 3) == 0);
}

static void test_device_failures(void)
{
    open_storage(4);
    const uint8_t data[8] = {0};
    uint8_t back[8];
    rec.fail_next = 1;
    CHECK_EQ(hs_storage_erase(&storage, 0), HS_E_DEVICE);
    CHECK_EQ(hs_storage_erase(&storage, 0), HS_OK);
    rec.fail_next = 1;
    CHECK_EQ(hs_storage_read(&storage, 0, 0, back, 8), HS_E_DEVICE);
    rec.fail_next = 1;
    CHECK_EQ(hs_storage_write(&storage, 0, 0, data, 8), HS_E_DEVICE); /* the erased-check read */
    CHECK_EQ(hs_storage_write(&storage, 0, 0, data, 2), HS_OK);       /* pending */
    rec.fail_next = 1;
    CHECK_EQ(hs_storage_flush(&storage), HS_E_DEVICE);
}

static void test_ram_flash_bounds(void)
{
    uint8_t bytes[16];
    hs_ram_flash_t flash = {bytes, sizeof bytes, 0, 0};
    uint8_t data[4] = {0};
    CHECK_EQ(hs_ram_flash_ops.erase(&flash, 0, 16), 0);
    CHECK_EQ(hs_ram_flash_ops.erase(&flash, 8, 9), -1);
    CHECK_EQ(hs_ram_flash_ops.program(&flash, 14, data, 4), -1);
    CHECK_EQ(hs_ram_flash_ops.read(&flash, 0xFFFFFFFFu, data, 2), -1);
    CHECK_EQ(hs_ram_flash_ops.program(&flash, 12, data, 4), 0);
    CHECK(bytes[11] == 0xFF && bytes[12] == 0);
}

int main(void)
{
    RUN(test_layout_checks);
    RUN(test_slot_numbers);
    for (unsigned i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++) {
        printf("-- program unit %u bytes\n", (unsigned)UNITS[i]);
        test_limits(UNITS[i]);
        test_not_erased(UNITS[i]);
        test_upload_sequence(UNITS[i]);
    }
    RUN(test_pending_across_slots);
    RUN(test_device_failures);
    RUN(test_ram_flash_bounds);
    return HS_TEST_SUMMARY();
}
