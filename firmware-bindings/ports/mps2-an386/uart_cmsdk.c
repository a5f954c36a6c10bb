/*
 * uart_cmsdk.c: the CMSDK APB UARTs of the MPS2. UART0 carries the protocol, interrupt-driven
 * through two rings, so bytes arriving during a long wasm call (a model load, a flash erase on a
 * real board) wait in RAM instead of overrunning the one-byte hardware buffer. UART1 carries the
 * debug log, polled.
 */
#include "mps2_an386.h"

#include "../cortex-m/cm_port.h"

#include "hetsyn/hs_board.h"
#include "hetsyn/hs_ring.h"

#define UART0 ((cmsdk_uart_t *)MPS2_UART0_BASE)
#define UART1 ((cmsdk_uart_t *)MPS2_UART1_BASE)

static uint8_t s_rx_bytes[MPS2_UART_RX_BYTES];
static uint8_t s_tx_bytes[MPS2_UART_TX_BYTES];
static hs_ring_t s_rx;
static hs_ring_t s_tx;

static inline void irq_off(void)
{
    __asm__ volatile("cpsid i" ::: "memory");
}

static inline void irq_on(void)
{
    __asm__ volatile("cpsie i" ::: "memory");
}

void mps2_uart_init(void)
{
    hs_ring_init(&s_rx, s_rx_bytes, sizeof s_rx_bytes);
    hs_ring_init(&s_tx, s_tx_bytes, sizeof s_tx_bytes);
    const uint32_t div = MPS2_SYSCLK_HZ / MPS2_UART_BAUD;
    UART1->bauddiv = div;
    UART1->ctrl = CMSDK_UART_CTRL_TX_EN;
    UART0->bauddiv = div;
    UART0->ctrl = CMSDK_UART_CTRL_TX_EN | CMSDK_UART_CTRL_RX_EN | CMSDK_UART_CTRL_TX_IRQ | CMSDK_UART_CTRL_RX_IRQ;
    NVIC_ISER0 = (1u << MPS2_UART0_RX_IRQ) | (1u << MPS2_UART0_TX_IRQ);
}

/* Moves the next queued byte to the transmitter if it is free. Interrupts off or in the ISR. */
static void tx_kick(void)
{
    uint8_t byte;
    if ((UART0->state & CMSDK_UART_STATE_TXFULL) == 0 && hs_ring_get(&s_tx, &byte)) UART0->data = byte;
}

void mps2_uart0_rx_irq(void)
{
    UART0->intstatus = CMSDK_UART_INT_RX;
    while (UART0->state & CMSDK_UART_STATE_RXFULL) hs_ring_put(&s_rx, (uint8_t)UART0->data);
    UART0->state = CMSDK_UART_STATE_OVERRUNS;
}

void mps2_uart0_tx_irq(void)
{
    /* The transmitter just went from full to free. */
    UART0->intstatus = CMSDK_UART_INT_TX;
    tx_kick();
}

uint32_t hs_board_uart_read(uint8_t *o_buf, uint32_t i_len)
{
    return hs_ring_read(&s_rx, o_buf, i_len);
}

uint32_t hs_board_uart_write(const uint8_t *i_buf, uint32_t i_len)
{
    const uint32_t n = hs_ring_write(&s_tx, i_buf, i_len);
    irq_off();
    tx_kick();
    irq_on();
    return n;
}

uint32_t cm_uart_rx_dropped(void)
{
    return s_rx.dropped;
}

void mps2_log_write(const char *i_text, uint32_t i_len)
{
    for (uint32_t i = 0; i <= i_len; i++) {
        while (UART1->state & CMSDK_UART_STATE_TXFULL) {
        }
        UART1->data = i < i_len ? (uint8_t)i_text[i] : (uint8_t)'\n';
    }
}
