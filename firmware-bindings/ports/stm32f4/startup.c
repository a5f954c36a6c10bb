/*
 * startup.c: the vector table of the STM32F405/407. Reset, the stack paint and the fault handlers are
 * the Cortex-M ports' own (../cortex-m/cm_startup.c).
 */
#include <stdint.h>

#include "stm32f4.h"
#include "../cortex-m/cm_port.h"

/* The STM32F405/407 have 82 interrupts (RM0090 table 61). */
#define IRQ_COUNT 82

__attribute__((section(".vectors"), used)) const vector_t stm32f4_vectors[16 + IRQ_COUNT] = {
    CM_SYSTEM_VECTORS,
    [16 ... 16 + USART1_IRQ - 1] = Default_Handler,
    [16 + USART1_IRQ] = stm32f4_usart1_irq,
    [16 + USART1_IRQ + 1 ... 16 + IRQ_COUNT - 1] = Default_Handler,
};
