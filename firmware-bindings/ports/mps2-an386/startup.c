/*
 * startup.c: vector table and reset for the MPS2 AN386 (Cortex-M4) under bare metal.
 * Reset copies .data from its load address, zeroes .bss, paints the main stack (so its high-water
 * mark can be measured), and calls main. Faults log one line and reset the board: never a hang.
 */
#include <stdint.h>

#include "mps2_an386.h"
#include "../cortex-m/cm_systick.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __stack_limit[], __stack_top[];

int main(void);

#define STACK_PAINT 0xA5A5A5A5u

void Reset_Handler(void) __attribute__((noreturn));
void Default_Handler(void) __attribute__((noreturn));
void Fault_Handler(void) __attribute__((noreturn));

void Reset_Handler(void)
{
    for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
    for (uint32_t *dst = __bss_start; dst < __bss_end;) *dst++ = 0;
    /* Paint the stack below the current frame (a margin of 64 words stays untouched). */
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = __stack_limit; p < sp - 64; p++) *p = STACK_PAINT;
    main();
    for (;;) SCB_AIRCR = SCB_AIRCR_SYSRESET;
}

uint32_t mps2_stack_bytes(void)
{
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_limit);
}

uint32_t mps2_stack_unused(void)
{
    const uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == STACK_PAINT) p++;
    return (uint32_t)((uintptr_t)p - (uintptr_t)__stack_limit);
}

void Fault_Handler(void)
{
    static const char message[] = "fault: resetting the board";
    mps2_log_write(message, sizeof message - 1);
    for (;;) SCB_AIRCR = SCB_AIRCR_SYSRESET;
}

void Default_Handler(void)
{
    static const char message[] = "unexpected interrupt: resetting the board";
    mps2_log_write(message, sizeof message - 1);
    for (;;) SCB_AIRCR = SCB_AIRCR_SYSRESET;
}

typedef void (*vector_t)(void);

/* 16 system exceptions, then the 32 interrupts of the AN386 (QEMU models 32). */
__attribute__((section(".vectors"), used)) const vector_t mps2_vectors[16 + 32] = {
    (vector_t)(uintptr_t)__stack_top,
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    0, 0, 0, 0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,
    Default_Handler, /* PendSV */
    cm_systick_irq,
    [16 + MPS2_UART0_RX_IRQ] = mps2_uart0_rx_irq,
    [16 + MPS2_UART0_TX_IRQ] = mps2_uart0_tx_irq,
    [16 + 2 ... 16 + 31] = Default_Handler,
};
