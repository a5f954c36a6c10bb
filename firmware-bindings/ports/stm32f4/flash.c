/*
 * flash.c: the STM32F405/407 flash controller as the slots' flash device (hs_storage.h): sector
 * erase and word programming (PSIZE x32, which needs a 2.7-3.6 V supply), per RM0090 section 3.
 * The slots are sectors 10 and 11, 128 KiB each (stm32f4.h); nothing outside them is ever erased
 * or programmed. The code runs from the same single bank, so the CPU stalls while a sector erases
 * (up to ~2 s for 128 KiB): interrupts wait too, and the protocol's host waits for UPLOAD_BEGIN's
 * reply before it sends more (docs/protocol.md). After every change the data cache is reset, or
 * reads of the slot through it could return the bytes from before.
 */
#include "stm32f4.h"

#include <string.h>

static int inside_slots(uint32_t i_address, uint32_t i_bytes)
{
    const uint32_t end = STM32F4_SLOT0_ADDRESS + 2u * STM32F4_SLOT_BYTES;
    return i_address >= STM32F4_SLOT0_ADDRESS && i_address <= end && i_bytes <= end - i_address;
}

static int32_t wait_idle(void)
{
    while (FLASH_SR & FLASH_SR_BSY) {
    }
    const uint32_t errors = FLASH_SR & FLASH_SR_ERRORS;
    FLASH_SR = errors; /* write 1 to clear */
    return errors == 0u ? 0 : -1;
}

static void unlock(void)
{
    if (FLASH_CR & FLASH_CR_LOCK) {
        FLASH_KEYR = FLASH_KEY1;
        FLASH_KEYR = FLASH_KEY2;
    }
}

/* Locks the controller again and drops what the data cache holds of the slots. */
static void finish(void)
{
    FLASH_CR = FLASH_CR_LOCK;
    const uint32_t acr = FLASH_ACR;
    FLASH_ACR = acr & ~FLASH_ACR_DCEN;
    FLASH_ACR = (acr & ~FLASH_ACR_DCEN) | FLASH_ACR_DCRST;
    FLASH_ACR = acr;
}

static int32_t flash_erase(void *io_context, uint32_t i_address, uint32_t i_bytes)
{
    (void)io_context;
    if (!inside_slots(i_address, i_bytes)) return -1;
    int32_t status = wait_idle();
    unlock();
    for (uint32_t at = i_address; status == 0 && at < i_address + i_bytes; at += STM32F4_SLOT_BYTES) {
        const uint32_t sector = STM32F4_SLOT_FIRST_SECTOR + (at - STM32F4_SLOT0_ADDRESS) / STM32F4_SLOT_BYTES;
        FLASH_CR = FLASH_CR_PSIZE_X32 | FLASH_CR_SER | (sector << FLASH_CR_SNB_SHIFT);
        FLASH_CR |= FLASH_CR_STRT;
        status = wait_idle();
    }
    finish();
    return status;
}

static int32_t flash_program(void *io_context, uint32_t i_address, const uint8_t *i_data, uint32_t i_bytes)
{
    (void)io_context;
    if (!inside_slots(i_address, i_bytes) || (i_address % 4u) != 0u || (i_bytes % 4u) != 0u) return -1;
    int32_t status = wait_idle();
    unlock();
    FLASH_CR = FLASH_CR_PSIZE_X32 | FLASH_CR_PG;
    for (uint32_t i = 0; status == 0 && i < i_bytes; i += 4u) {
        uint32_t word;
        memcpy(&word, &i_data[i], sizeof word); /* the module's bytes need not be aligned */
        *(volatile uint32_t *)(uintptr_t)(i_address + i) = word;
        status = wait_idle();
    }
    finish();
    return status;
}

static int32_t flash_read(void *io_context, uint32_t i_address, uint8_t *o_data, uint32_t i_bytes)
{
    (void)io_context;
    if (!inside_slots(i_address, i_bytes)) return -1;
    memcpy(o_data, (const void *)(uintptr_t)i_address, i_bytes);
    return 0;
}

/* The slots are memory-mapped where they are programmed: the model runs from them in place. */
static const uint8_t *flash_map(void *io_context, uint32_t i_address, uint32_t i_bytes)
{
    (void)io_context;
    return inside_slots(i_address, i_bytes) ? (const uint8_t *)(uintptr_t)i_address : NULL;
}

const hs_flash_ops_t stm32f4_flash_ops = {flash_erase, flash_program, flash_read, flash_map};
