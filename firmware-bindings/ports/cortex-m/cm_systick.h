/*
 * cm_systick.h: the microsecond clock of a Cortex-M port from SysTick alone: a 1 kHz interrupt
 * counts milliseconds, the counter gives the microseconds within one. Shared by the bare-metal
 * ports (mps2-an386, stm32f4); hs_board_clock_us returns cm_systick_us().
 */
#ifndef CM_SYSTICK_H
#define CM_SYSTICK_H

#include <stdint.h>

/** Starts SysTick on the processor clock of `i_core_hz` (a whole number of MHz, at most 16.7 GHz). */
void cm_systick_start(uint32_t i_core_hz);

/** The SysTick exception handler (the vector table's entry 15). */
void cm_systick_irq(void);

/** Free-running microseconds since cm_systick_start, wrapping at 2^32. */
uint32_t cm_systick_us(void);

#endif /* CM_SYSTICK_H */
