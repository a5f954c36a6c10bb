/*
 * cm_startup.c: reset and faults on a bare-metal Cortex-M port. Reset copies .data from its load
 * address, zeroes .bss, paints the main stack (so its high-water mark can be measured) and calls
 * main. Faults log one line and reset the board: never a hang. The port's vector table and linker
 * script give the symbols below.
 */
#include <stdint.h>

#include "cm_port.h"
#include "hetsyn/hs_board.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __stack_limit[];

int main(void);

#define STACK_PAINT 0xA5A5A5A5u

/* The System Control Block's reset request (ARMv7-M ARM, B3.2.6). */
#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)
#define SCB_AIRCR_SYSRESET 0x05FA0004u

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

uint32_t cm_stack_bytes(void)
{
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_limit);
}

uint32_t cm_stack_unused(void)
{
    const uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == STACK_PAINT) p++;
    return (uint32_t)((uintptr_t)p - (uintptr_t)__stack_limit);
}

void Fault_Handler(void)
{
    static const char message[] = "fault: resetting the board";
    hs_board_log(message, sizeof message - 1);
    for (;;) SCB_AIRCR = SCB_AIRCR_SYSRESET;
}

void Default_Handler(void)
{
    static const char message[] = "unexpected interrupt: resetting the board";
    hs_board_log(message, sizeof message - 1);
    for (;;) SCB_AIRCR = SCB_AIRCR_SYSRESET;
}
