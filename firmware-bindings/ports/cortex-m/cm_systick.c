/* cm_systick.c: a microsecond clock from SysTick (see the header). */
#include "cm_systick.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define SCB_ICSR_PENDSTSET (1u << 26)

static volatile uint32_t s_ms;
static uint32_t s_ticks_per_ms;
static uint32_t s_ticks_per_us;

void cm_systick_start(uint32_t i_core_hz)
{
    s_ticks_per_ms = i_core_hz / 1000u;
    s_ticks_per_us = i_core_hz / 1000000u;
    SYST_RVR = s_ticks_per_ms - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

void cm_systick_irq(void)
{
    s_ms++;
}

uint32_t cm_systick_us(void)
{
    uint32_t ms, ticks, pending;
    do {
        ms = s_ms;
        ticks = SYST_CVR;
        pending = SCB_ICSR & SCB_ICSR_PENDSTSET;
    } while (ms != s_ms);
    /* The counter can reload before its interrupt has counted the millisecond (it is pending, or
     * held off by a higher priority): a reading just after the reload then belongs to the next
     * millisecond. Without this the clock stepped back by up to 1 ms, and a step's elapsed time
     * wrapped to ~4.29e9 us (seen once in 1,188 steps under QEMU). */
    if (pending != 0u && ticks > s_ticks_per_ms / 2u) {
        ms++;
    }
    return ms * 1000u + (s_ticks_per_ms - 1u - ticks) / s_ticks_per_us;
}
