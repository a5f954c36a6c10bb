/*
 * mps2_an386.h: the Arm MPS2 board with the AN386 FPGA image (Cortex-M4), as QEMU's
 * `-M mps2-an386` models it: the addresses, interrupts and clock this port uses.
 *
 *     0x00000000  ZBT SSRAM1, 4 MiB: code and read-only data ("flash" on this board)
 *     0x20000000  ZBT SSRAM2/3, 4 MiB: data, WAMR pool, stacks
 *     0x40004000  UART0 (CMSDK APB): the protocol   (QEMU: first -serial)
 *     0x40005000  UART1 (CMSDK APB): the debug log  (QEMU: second -serial)
 */
#ifndef MPS2_AN386_H
#define MPS2_AN386_H

#include <stdint.h>

#define MPS2_SYSCLK_HZ 25000000u

#define MPS2_UART0_BASE 0x40004000u
#define MPS2_UART1_BASE 0x40005000u
#define MPS2_UART0_RX_IRQ 0
#define MPS2_UART0_TX_IRQ 1

/* Cortex-M system registers. */
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)

/* CMSDK APB UART registers. */
typedef struct cmsdk_uart {
    volatile uint32_t data;
    volatile uint32_t state;     /* bit 0 TX full, bit 1 RX full, bits 2/3 overruns (write 1 to clear) */
    volatile uint32_t ctrl;      /* bit 0 TX enable, 1 RX enable, 2 TX irq, 3 RX irq */
    volatile uint32_t intstatus; /* bit 0 TX, bit 1 RX; write 1 to clear */
    volatile uint32_t bauddiv;   /* >= 16 */
} cmsdk_uart_t;

#define CMSDK_UART_STATE_TXFULL 1u
#define CMSDK_UART_STATE_RXFULL 2u
#define CMSDK_UART_STATE_OVERRUNS 0xCu
#define CMSDK_UART_CTRL_TX_EN 1u
#define CMSDK_UART_CTRL_RX_EN 2u
#define CMSDK_UART_CTRL_TX_IRQ 4u
#define CMSDK_UART_CTRL_RX_IRQ 8u
#define CMSDK_UART_INT_TX 1u
#define CMSDK_UART_INT_RX 2u

/* This port's numbers (ports/mps2-an386/board.c holds them in hs_board_profile), measured in
 * docs/memory-budget.md ("RAM under 64 KiB"). The pool, the wasm stack and the receive ring can be
 * set from the build (make PORT_DEFS="-DMPS2_POOL_BYTES=..."). The defaults hold build/hetsyn.wasm
 * and any model it takes under the classic interpreter (59,152 B of pool used). MPS2_BOARD_SMALL
 * is the build for build/hetsyn-board-small.wasm with WAMR's block address cache at 16
 * (firmware-bindings/README.md): 39,608 B of pool used; instantiation needs a pool of at least
 * 41,152 B (41,088 fails: the loader's freed scratch leaves holes the linear memory cannot use), so
 * 41,472 B leaves 320 B; the allocations are the same at every start and restart.
 * The wasm stack: 1,360 B was the most any check used. The receive ring holds the frames a host
 * has in flight beyond the one the module is working on: 3 of the default window of 4, at most
 * 516 bytes each encoded (maxFrame 512; 260 with the board-small module's 256, so 1 KiB there).
 * The transmit ring only keeps the UART busy: the module holds what does not fit (its own ring,
 * 2 x maxFrame) and offers it again at the next poll. */
#ifdef MPS2_BOARD_SMALL
#define MPS2_POOL_BYTES 41472u
#define MPS2_UART_RX_BYTES 1024u
#endif
#ifndef MPS2_POOL_BYTES
#define MPS2_POOL_BYTES (64u * 1024u)
#endif
#ifndef MPS2_WASM_STACK_BYTES
#define MPS2_WASM_STACK_BYTES (2u * 1024u)
#endif
#define MPS2_UART_BAUD 115200u
#ifndef MPS2_UART_RX_BYTES
#define MPS2_UART_RX_BYTES 2048u
#endif
#define MPS2_UART_TX_BYTES 256u
#define MPS2_SLOT_BYTES (128u * 1024u)
/* The slots' NOR image on the machine running QEMU, relative to its working directory (board.c);
 * make PORT_DEFS='-DMPS2_SLOTS_FILE=\"other.bin\"' names another. */
#ifndef MPS2_SLOTS_FILE
#define MPS2_SLOTS_FILE "hetsyn-slots.bin"
#endif

/* Interrupt handlers (in the vector table of startup.c). */
void mps2_uart0_rx_irq(void);
void mps2_uart0_tx_irq(void);

/* The CMSDK UART driver (uart_cmsdk.c). */
void mps2_uart_init(void);
/** Polled, blocking: the debug log. */
void mps2_log_write(const char *i_text, uint32_t i_len);
/* cm_uart_rx_dropped (../cortex-m/cm_port.h) counts its receive ring's losses. */

#endif /* MPS2_AN386_H */
