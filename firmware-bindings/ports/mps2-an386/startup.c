/*
 * startup.c: the vector table of the MPS2 AN386 (Cortex-M4). Reset, the stack paint and the fault handlers are
 * the Cortex-M ports' own (../cortex-m/cm_startup.c).
 */
#include <stdint.h>

#include "mps2_an386.h"
#include "../cortex-m/cm_port.h"

/* 16 system exceptions, then the 32 interrupts of the AN386 (QEMU models 32). */
__attribute__((section(".vectors"), used)) const vector_t mps2_vectors[16 + 32] = {
    CM_SYSTEM_VECTORS,
    [16 + MPS2_UART0_RX_IRQ] = mps2_uart0_rx_irq,
    [16 + MPS2_UART0_TX_IRQ] = mps2_uart0_tx_irq,
    [16 + 2 ... 16 + 31] = Default_Handler,
};
