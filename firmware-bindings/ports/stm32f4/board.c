/*
 * board.c: the board-support interface (hs_board.h) on an STM32F405/407: the clock tree (HSE and
 * the PLL to 168 MHz), the SysTick microsecond clock, the model slots in flash sectors 10 and 11,
 * the log on USART2, WFI when idle, and no microphone (an I2S one is future work,
 * ports/real-board.md).
 *
 * The QEMU build (PORT_DEFS=-DSTM32F4_QEMU, for -M netduinoplus2) differs in two places only,
 * because QEMU 7.2 emulates neither the RCC nor the flash controller (their registers read 0 and
 * ignore writes; the flash is ROM): it skips the clock setup (the machine runs at 168 MHz from
 * reset) and keeps the slots in a file over semihosting, as the MPS2 port does.
 */
#include <stddef.h>

#include "stm32f4.h"

#include "hetsyn/hs_board.h"
#include "hetsyn/hs_log.h"
#include "hetsyn/hs_storage.h"
#include "../cortex-m/cm_port.h"
#include "../cortex-m/cm_systick.h"
#ifdef STM32F4_QEMU
#include "../semihosting/hs_semihost_flash.h"
#endif

uint8_t cm_pool[STM32F4_POOL_BYTES] __attribute__((aligned(8)));
const uint32_t cm_pool_bytes = sizeof cm_pool;

const hs_board_profile_t hs_board_profile = {
#ifdef STM32F4_QEMU
    .name = "stm32f4 (qemu netduinoplus2)",
#else
    .name = "stm32f4",
#endif
    .pool_bytes = STM32F4_POOL_BYTES,
    .wasm_stack_bytes = STM32F4_WASM_STACK_BYTES,
    .uart_baud = STM32F4_UART_BAUD,
    .uart_rx_bytes = STM32F4_UART_RX_BYTES,
    .uart_tx_bytes = STM32F4_UART_TX_BYTES,
};

static hs_storage_t s_storage;

#ifdef STM32F4_QEMU
/* The semihosting image has no sectors: 4 KiB erase blocks keep an erase short. */
static const hs_storage_layout_t s_layout = {
    .slot_address = {0, STM32F4_QEMU_SLOT_BYTES},
    .slot_bytes = STM32F4_QEMU_SLOT_BYTES,
    .erase_bytes = 4096,
    .write_bytes = 4,
};
static hs_semihost_flash_t s_flash;
/* QEMU's flash is ROM and its 128 KiB of SRAM cannot mirror both slots: one slot's window, which
 * holds the slot the module last mapped (ports/semihosting/hs_semihost_flash.h). */
static uint8_t s_window[STM32F4_QEMU_SLOT_BYTES] __attribute__((aligned(8)));

static void clock_init(void)
{
}

static void storage_init(void)
{
    if (hs_semihost_flash_open(&s_flash, STM32F4_SLOTS_FILE, 2u * STM32F4_QEMU_SLOT_BYTES, s_window,
                               sizeof s_window) != 0) {
        hs_line_t line;
        hs_line_start(&line, "board: cannot open the slot file ");
        hs_line_str(&line, STM32F4_SLOTS_FILE);
        hs_line_send(&line);
    }
    (void)hs_storage_init(&s_storage, &s_layout, &hs_semihost_flash_ops, &s_flash);
}
#else
/* Sectors 10 and 11: one 128 KiB erase block each, programmed in words. */
static const hs_storage_layout_t s_layout = {
    .slot_address = {STM32F4_SLOT0_ADDRESS, STM32F4_SLOT1_ADDRESS},
    .slot_bytes = STM32F4_SLOT_BYTES,
    .erase_bytes = STM32F4_SLOT_BYTES,
    .write_bytes = 4,
};

/* HSE / M = 1 MHz into the VCO, x 336, / 2 = 168 MHz core, / 7 = 48 MHz for USB. */
#define PLL_M (STM32F4_HSE_HZ / 1000000u)
#define PLL_N 336u
#define PLL_P_DIV2 0u
#define PLL_Q 7u

static void clock_init(void)
{
    RCC_CR |= RCC_CR_HSEON;
    while ((RCC_CR & RCC_CR_HSERDY) == 0u) {
    }
    RCC_PLLCFGR = PLL_M | (PLL_N << 6) | (PLL_P_DIV2 << 16) | RCC_PLLCFGR_SRC_HSE | (PLL_Q << 24);
    RCC_CR |= RCC_CR_PLLON;
    while ((RCC_CR & RCC_CR_PLLRDY) == 0u) {
    }
    /* Wait states before the faster clock (RM0090 table 10), then the bus dividers, then switch. */
    FLASH_ACR = FLASH_ACR_LATENCY_5WS | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    RCC_CFGR = RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2 | RCC_CFGR_SW_PLL;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL) {
    }
}

static void storage_init(void)
{
    (void)hs_storage_init(&s_storage, &s_layout, &stm32f4_flash_ops, 0);
}
#endif

void hs_board_init(void)
{
    clock_init();
    stm32f4_usart_init();
    cm_systick_start(STM32F4_CORE_HZ);
    storage_init();
}

void hs_board_log(const char *i_text, uint32_t i_len)
{
    stm32f4_log_write(i_text, i_len);
}

hs_storage_t *hs_board_storage(void)
{
    return &s_storage;
}
