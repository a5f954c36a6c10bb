/*
 * stm32f4.h: the STM32F405/407 (Cortex-M4F, 1 MiB flash, 128 KiB SRAM + 64 KiB CCM) as this port
 * uses it: register addresses and bits from RM0090, the interrupts, the clock and the port's
 * numbers (its board profile). QEMU's `-M netduinoplus2` emulates an STM32F405 (ports/stm32f4/README.md).
 *
 *     0x08000000  flash sectors 0-9 (768 KiB): vectors, code, read-only data, .data's values
 *     0x080C0000  sector 10 (128 KiB): model slot 0
 *     0x080E0000  sector 11 (128 KiB): model slot 1
 *     0x10000000  CCM 64 KiB: main stack, UART ring buffers (no DMA, no code there)
 *     0x20000000  SRAM 128 KiB: .data (the module's bytecode), .bss (the WAMR pool)
 *     0x40011000  USART1 (APB2, PA9 TX / PA10 RX, AF7): the protocol  (QEMU: first -serial)
 *     0x40004400  USART2 (APB1, PA2 TX, AF7): the debug log             (QEMU: second -serial)
 */
#ifndef STM32F4_H
#define STM32F4_H

#include <stdint.h>

#include "hetsyn/hs_storage.h"

#define REG(address) (*(volatile uint32_t *)(address))

/* Clocks: HSE crystal -> PLL -> 168 MHz core, APB2 84 MHz, APB1 42 MHz (RM0090 section 6). */
#ifndef STM32F4_HSE_HZ
#define STM32F4_HSE_HZ 8000000u /* the crystal of an STM32F4-Discovery; 25 MHz on a Netduino Plus 2 */
#endif
#define STM32F4_CORE_HZ 168000000u
#define STM32F4_APB2_HZ (STM32F4_CORE_HZ / 2u)
#define STM32F4_APB1_HZ (STM32F4_CORE_HZ / 4u)

#define RCC_BASE 0x40023800u
#define RCC_CR REG(RCC_BASE + 0x00u)
#define RCC_PLLCFGR REG(RCC_BASE + 0x04u)
#define RCC_CFGR REG(RCC_BASE + 0x08u)
#define RCC_AHB1ENR REG(RCC_BASE + 0x30u)
#define RCC_APB1ENR REG(RCC_BASE + 0x40u)
#define RCC_APB2ENR REG(RCC_BASE + 0x44u)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_CFGR_SW_PLL 2u
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (2u << 2)
#define RCC_CFGR_PPRE1_DIV4 (5u << 10)
#define RCC_CFGR_PPRE2_DIV2 (4u << 13)
#define RCC_AHB1ENR_GPIOA (1u << 0)
#define RCC_APB1ENR_USART2 (1u << 17)
#define RCC_APB2ENR_USART1 (1u << 4)

#define GPIOA_BASE 0x40020000u
#define GPIOA_MODER REG(GPIOA_BASE + 0x00u)
#define GPIOA_OSPEEDR REG(GPIOA_BASE + 0x08u)
#define GPIOA_PUPDR REG(GPIOA_BASE + 0x0Cu)
#define GPIOA_AFRL REG(GPIOA_BASE + 0x20u)
#define GPIOA_AFRH REG(GPIOA_BASE + 0x24u)

/* USART (RM0090 section 30): status, data, baud rate, control. */
typedef struct stm32_usart {
    volatile uint32_t sr; /* bit 3 ORE, 5 RXNE, 6 TC, 7 TXE */
    volatile uint32_t dr;
    volatile uint32_t brr;
    volatile uint32_t cr1; /* bit 2 RE, 3 TE, 5 RXNEIE, 7 TXEIE, 13 UE */
    volatile uint32_t cr2;
    volatile uint32_t cr3;
    volatile uint32_t gtpr;
} stm32_usart_t;

#define USART1 ((stm32_usart_t *)0x40011000u)
#define USART2 ((stm32_usart_t *)0x40004400u)
#define USART_SR_ORE (1u << 3)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_TXEIE (1u << 7)
#define USART_CR1_UE (1u << 13)
#define USART1_IRQ 37

/* The flash interface (RM0090 section 3). */
#define FLASH_BASE 0x40023C00u
#define FLASH_ACR REG(FLASH_BASE + 0x00u)
#define FLASH_KEYR REG(FLASH_BASE + 0x04u)
#define FLASH_SR REG(FLASH_BASE + 0x0Cu)
#define FLASH_CR REG(FLASH_BASE + 0x10u)
#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu
#define FLASH_ACR_LATENCY_5WS 5u /* 150-168 MHz at 2.7-3.6 V */
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)
#define FLASH_ACR_DCRST (1u << 12)
#define FLASH_SR_ERRORS 0xF2u /* OPERR, WRPERR, PGAERR, PGPERR, PGSERR */
#define FLASH_SR_BSY (1u << 16)
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_SER (1u << 1)
#define FLASH_CR_SNB_SHIFT 3
#define FLASH_CR_PSIZE_X32 (2u << 8) /* word programming: needs 2.7-3.6 V */
#define FLASH_CR_STRT (1u << 16)
#define FLASH_CR_LOCK (1u << 31)

#define NVIC_ISER(n) REG(0xE000E100u + 4u * (n))

/* This port's numbers (board.c holds them in hs_board_profile); pool and wasm stack can be set
 * from the build (make PORT_DEFS="-DSTM32F4_POOL_BYTES=..."), see docs/memory-budget.md. The
 * QEMU build shares its 128 KiB of SRAM with a window of one model slot, so it runs the
 * board-small module in the board-small pool (as the MPS2 port's -DMPS2_BOARD_SMALL does), and
 * its slots are 48 KiB: fsdd-digits fits, the 87.7 KB gsc12-kws needs the chip's 128 KiB sectors. */
#ifdef STM32F4_QEMU
#define STM32F4_QEMU_SLOT_BYTES (48u * 1024u)
#ifndef STM32F4_POOL_BYTES
#define STM32F4_POOL_BYTES 41472u
#endif
#ifndef STM32F4_WASM_STACK_BYTES
#define STM32F4_WASM_STACK_BYTES (2u * 1024u)
#endif
#endif
#ifndef STM32F4_POOL_BYTES
#define STM32F4_POOL_BYTES (96u * 1024u)
#endif
#ifndef STM32F4_WASM_STACK_BYTES
#define STM32F4_WASM_STACK_BYTES (4u * 1024u)
#endif
#define STM32F4_UART_BAUD 115200u
#define STM32F4_UART_RX_BYTES 2048u
#define STM32F4_UART_TX_BYTES 2048u
#define STM32F4_SLOT_BYTES (128u * 1024u)
#define STM32F4_SLOT0_ADDRESS 0x080C0000u /* sector 10 */
#define STM32F4_SLOT1_ADDRESS 0x080E0000u /* sector 11 */
#define STM32F4_SLOT_FIRST_SECTOR 10u
#ifndef STM32F4_SLOTS_FILE
#define STM32F4_SLOTS_FILE "hetsyn-slots.bin" /* the QEMU build's slot image (README.md) */
#endif

/* The interrupt handler of the protocol USART (in the vector table of startup.c). */
void stm32f4_usart1_irq(void);

/* The USART driver (usart.c). */
void stm32f4_usart_init(void);
/** Polled, blocking: the debug log. */
void stm32f4_log_write(const char *i_text, uint32_t i_len);
/* cm_uart_rx_dropped (../cortex-m/cm_port.h): bytes its receive ring had to drop, or the USART overran. */

/** The flash controller as a flash device for hs_storage.h (flash.c). */
extern const hs_flash_ops_t stm32f4_flash_ops;

#endif /* STM32F4_H */
