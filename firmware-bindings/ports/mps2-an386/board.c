/*
 * board.c: the board-support interface (hs_board.h) on the MPS2 AN386: SysTick microsecond
 * clock, model storage in a file QEMU keeps (the machine has no flash of its own: the slots are a
 * NOR image in MPS2_SLOTS_FILE, over semihosting, so a committed model survives a killed QEMU)
 * mirrored in the code region as a real chip maps its flash, so the model runs from it in place,
 * the log on UART1, WFI when idle, and no microphone (QEMU emulates none: audio reaches this board
 * as the serial protocol's AUDIO stream).
 */
#include "mps2_an386.h"

#include "hetsyn/hs_board.h"
#include "hetsyn/hs_log.h"
#include "hetsyn/hs_storage.h"
#include "../cortex-m/cm_port.h"
#include "../cortex-m/cm_systick.h"
#include "../semihosting/hs_semihost_flash.h"

uint8_t cm_pool[MPS2_POOL_BYTES] __attribute__((aligned(8)));
const uint32_t cm_pool_bytes = sizeof cm_pool;

const hs_board_profile_t hs_board_profile = {
    .name = "mps2-an386",
    .pool_bytes = MPS2_POOL_BYTES,
    .wasm_stack_bytes = MPS2_WASM_STACK_BYTES,
    .uart_baud = MPS2_UART_BAUD,
    .uart_rx_bytes = MPS2_UART_RX_BYTES,
    .uart_tx_bytes = MPS2_UART_TX_BYTES,
};

/* Two slots of 4 KiB erase pages programmed in 4-byte words, as on an nRF52840. */
static const hs_storage_layout_t s_layout = {
    .slot_address = {0, MPS2_SLOT_BYTES},
    .slot_bytes = MPS2_SLOT_BYTES,
    .erase_bytes = 4096,
    .write_bytes = 4,
};

static hs_semihost_flash_t s_flash;
static hs_storage_t s_storage;
/* The slots as memory, in the code region (the linker script's .slots, not RAM): what the WAMR
 * shared heap maps for the module. */
static uint8_t s_slots[2u * MPS2_SLOT_BYTES] __attribute__((section(".slots"), aligned(8)));

void hs_board_init(void)
{
    mps2_uart_init();
    cm_systick_start(MPS2_SYSCLK_HZ);
    /* Without the file every storage call fails, which the module reports as STORAGE errors. */
    if (hs_semihost_flash_open(&s_flash, MPS2_SLOTS_FILE, sizeof s_slots, s_slots, sizeof s_slots) != 0) {
        hs_line_t line;
        hs_line_start(&line, "board: cannot open the slot file ");
        hs_line_str(&line, MPS2_SLOTS_FILE);
        hs_line_send(&line);
    }
    (void)hs_storage_init(&s_storage, &s_layout, &hs_semihost_flash_ops, &s_flash);
}

void hs_board_log(const char *i_text, uint32_t i_len)
{
    mps2_log_write(i_text, i_len);
}

hs_storage_t *hs_board_storage(void)
{
    return &s_storage;
}
