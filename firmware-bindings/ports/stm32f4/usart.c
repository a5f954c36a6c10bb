/*
 * usart.c: the STM32F4's USARTs. USART1 carries the protocol, interrupt-driven through two rings,
 * so bytes arriving during a long wasm call (a model load, a sector erase that stalls the CPU)
 * wait in RAM instead of overrunning the one-byte data register. USART2 carries the debug log,
 * polled.
 *
 * Transmit: bytes go into the ring, and the transmitter is kicked from the caller with the
 * interrupt masked, moving bytes while TXE is set; TXEIE takes over for the rest. On the chip the
 * kick moves a byte or two (TXE clears until the shift register frees the data register); under
 * QEMU, whose USART writes each byte at once, keeps TXE set and never raises a TXE interrupt, the
 * kick moves them all.
 */
#include "stm32f4.h"

#include "../cortex-m/cm_port.h"

#include "hetsyn/hs_board.h"
#include "hetsyn/hs_ring.h"

/* In CCM (stm32f4.ld): SRAM is the WAMR pool's. */
static uint8_t s_rx_bytes[STM32F4_UART_RX_BYTES] __attribute__((section(".ccm")));
static uint8_t s_tx_bytes[STM32F4_UART_TX_BYTES] __attribute__((section(".ccm")));
static hs_ring_t s_rx;
static hs_ring_t s_tx;
static uint32_t s_overruns;

#define USART1_ISER (USART1_IRQ / 32)
#define USART1_BIT (1u << (USART1_IRQ % 32))
#define NVIC_ICER(n) REG(0xE000E180u + 4u * (n))

static void pins_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOA;
    /* PA2 (USART2 TX), PA9 (USART1 TX), PA10 (USART1 RX): alternate function 7. */
    GPIOA_MODER = (GPIOA_MODER & ~((3u << 4) | (3u << 18) | (3u << 20))) | (2u << 4) | (2u << 18) | (2u << 20);
    GPIOA_OSPEEDR |= (2u << 4) | (2u << 18) | (2u << 20);
    GPIOA_PUPDR = (GPIOA_PUPDR & ~(3u << 20)) | (1u << 20); /* RX pulled up: an idle line reads 1 */
    GPIOA_AFRL = (GPIOA_AFRL & ~(0xFu << 8)) | (7u << 8);
    GPIOA_AFRH = (GPIOA_AFRH & ~((0xFu << 4) | (0xFu << 8))) | (7u << 4) | (7u << 8);
}

void stm32f4_usart_init(void)
{
    hs_ring_init(&s_rx, s_rx_bytes, sizeof s_rx_bytes);
    hs_ring_init(&s_tx, s_tx_bytes, sizeof s_tx_bytes);
    pins_init();
    RCC_APB2ENR |= RCC_APB2ENR_USART1;
    RCC_APB1ENR |= RCC_APB1ENR_USART2;
    /* Oversampling by 16: BRR = f_pclk / baud, rounded (mantissa and fraction together). */
    USART2->brr = (STM32F4_APB1_HZ + STM32F4_UART_BAUD / 2u) / STM32F4_UART_BAUD;
    USART2->cr1 = USART_CR1_UE | USART_CR1_TE;
    USART1->brr = (STM32F4_APB2_HZ + STM32F4_UART_BAUD / 2u) / STM32F4_UART_BAUD;
    USART1->cr1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    NVIC_ISER(USART1_ISER) = USART1_BIT;
}

/* Moves queued bytes to the transmitter while it takes them; TXEIE while any are left. Called
 * with the USART's interrupt masked, or from it. */
static void tx_kick(void)
{
    uint8_t byte;
    while ((USART1->sr & USART_SR_TXE) != 0u && hs_ring_get(&s_tx, &byte)) USART1->dr = byte;
    if (hs_ring_used(&s_tx) > 0u) {
        USART1->cr1 |= USART_CR1_TXEIE;
    } else {
        USART1->cr1 &= ~USART_CR1_TXEIE;
    }
}

void stm32f4_usart1_irq(void)
{
    const uint32_t sr = USART1->sr;
    /* Reading SR then DR clears RXNE and ORE. */
    if (sr & (USART_SR_RXNE | USART_SR_ORE)) {
        const uint8_t byte = (uint8_t)USART1->dr;
        if (sr & USART_SR_ORE) s_overruns++;
        if (sr & USART_SR_RXNE) hs_ring_put(&s_rx, byte);
    }
    if ((USART1->cr1 & USART_CR1_TXEIE) && (sr & USART_SR_TXE)) tx_kick();
}

uint32_t hs_board_uart_read(uint8_t *o_buf, uint32_t i_len)
{
    return hs_ring_read(&s_rx, o_buf, i_len);
}

uint32_t hs_board_uart_write(const uint8_t *i_buf, uint32_t i_len)
{
    const uint32_t n = hs_ring_write(&s_tx, i_buf, i_len);
    NVIC_ICER(USART1_ISER) = USART1_BIT;
    __asm__ volatile("dsb\n isb" ::: "memory");
    tx_kick();
    NVIC_ISER(USART1_ISER) = USART1_BIT;
    return n;
}

uint32_t cm_uart_rx_dropped(void)
{
    return s_rx.dropped + s_overruns;
}

void stm32f4_log_write(const char *i_text, uint32_t i_len)
{
    for (uint32_t i = 0; i <= i_len; i++) {
        while ((USART2->sr & USART_SR_TXE) == 0u) {
        }
        USART2->dr = i < i_len ? (uint8_t)i_text[i] : (uint8_t)'\n';
    }
}
