/*
 * cm_port.h: what the bare-metal Cortex-M ports (mps2-an386, stm32f4) share, and the little each
 * gives back. cm_startup.c resets the core and catches faults, cm_board.c is the part of hs_board.h
 * that is the same on every such board, cm_main.c runs the module. A port supplies its vector table
 * (which names Reset_Handler, Fault_Handler, Default_Handler), its UART driver, its storage and the
 * pool below.
 */
#ifndef CM_PORT_H
#define CM_PORT_H

#include <stdint.h>

#include "cm_systick.h"

/* ---- from the port ---- */

/** WAMR's pool, sized by the port's profile (in RAM the runner owns). */
extern uint8_t cm_pool[];
extern const uint32_t cm_pool_bytes;

/** Bytes the protocol UART's receive ring had to drop (0 unless the ring is too small). */
uint32_t cm_uart_rx_dropped(void);

/* ---- from cm_startup.c ---- */

void Reset_Handler(void) __attribute__((noreturn));
/** Logs one line and resets the board: never a hang. */
void Fault_Handler(void) __attribute__((noreturn));
void Default_Handler(void) __attribute__((noreturn));

/** A vector table entry. */
typedef void (*vector_t)(void);

extern uint32_t __stack_top[];

/** The 16 system entries of an ARMv7-M vector table, the same on every port; its interrupts follow. */
#define CM_SYSTEM_VECTORS                                                                            \
    (vector_t)(uintptr_t)__stack_top, Reset_Handler, Fault_Handler /* NMI */,                        \
        Fault_Handler /* HardFault */, Fault_Handler /* MemManage */, Fault_Handler /* BusFault */, \
        Fault_Handler /* UsageFault */, 0, 0, 0, 0, Default_Handler /* SVCall */,                   \
        Default_Handler /* DebugMonitor */, 0, Default_Handler /* PendSV */, cm_systick_irq

/** Bytes of the main stack, and those never touched since reset (painted at reset). */
uint32_t cm_stack_bytes(void);
uint32_t cm_stack_unused(void);

#endif /* CM_PORT_H */
