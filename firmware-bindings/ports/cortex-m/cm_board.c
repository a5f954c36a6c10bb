/*
 * cm_board.c: the part of the board-support interface (hs_board.h) that every bare-metal Cortex-M
 * port shares: the SysTick microsecond clock, WFI when idle, and no microphone (neither QEMU
 * machine emulates one: audio reaches these boards as the serial protocol's AUDIO stream; a port
 * with a microphone leaves this file out and reads its driver's ring).
 */
#include "cm_systick.h"
#include "hetsyn/hs_board.h"

uint32_t hs_board_clock_us(void)
{
    return cm_systick_us();
}

uint32_t hs_board_mic_read(uint8_t *o_buf, uint32_t i_samples)
{
    (void)o_buf;
    (void)i_samples;
    return 0;
}

void hs_board_idle(void)
{
    __asm__ volatile("wfi");
}
