/* fake_board.c: the board-support interface for host tests (see fake.h). */
#include <string.h>

#include "hetsyn/hs_board.h"

#include "fake.h"

const hs_board_profile_t hs_board_profile = {"fake", 64 * 1024, 4096, 115200, 256, 256};

static uint8_t s_rx[4096];
static uint32_t s_rx_len, s_rx_at;
static uint32_t s_tx_room;
static uint8_t s_mic[4096];
static uint32_t s_mic_len, s_mic_at;
uint32_t fake_board_mic_overclaim;
uint8_t fake_board_tx[4096];
uint32_t fake_board_tx_len;
uint32_t fake_board_clock;
char fake_board_last_log[512];
int fake_board_log_count;

static uint8_t s_flash_bytes[64 * 1024];
hs_ram_flash_t fake_board_flash;
static hs_storage_layout_t s_layout;
static hs_storage_t s_storage;

static const hs_storage_layout_t DEFAULT_LAYOUT = {{0, 4096}, 4096, 1024, 4};

void fake_board_reset(const hs_storage_layout_t *i_layout)
{
    s_rx_len = s_rx_at = 0;
    s_mic_len = s_mic_at = 0;
    fake_board_mic_overclaim = 0;
    s_tx_room = sizeof fake_board_tx;
    fake_board_tx_len = 0;
    fake_board_clock = 0;
    fake_board_last_log[0] = 0;
    fake_board_log_count = 0;
    memset(s_flash_bytes, 0x00, sizeof s_flash_bytes); /* not erased: a test must erase first */
    fake_board_flash = (hs_ram_flash_t){s_flash_bytes, sizeof s_flash_bytes, 0, 0};
    s_layout = i_layout != NULL ? *i_layout : DEFAULT_LAYOUT;
    (void)hs_storage_init(&s_storage, &s_layout, &hs_ram_flash_ops, &fake_board_flash);
}

void fake_board_uart_receive(const uint8_t *i_data, uint32_t i_len)
{
    memcpy(&s_rx[s_rx_len], i_data, i_len);
    s_rx_len += i_len;
}

uint32_t fake_board_uart_pending(void)
{
    return s_rx_len - s_rx_at;
}

void fake_board_uart_tx_room(uint32_t i_bytes)
{
    s_tx_room = i_bytes;
}

void fake_board_mic_receive(const uint8_t *i_data, uint32_t i_len)
{
    memcpy(&s_mic[s_mic_len], i_data, i_len);
    s_mic_len += i_len;
}

uint32_t fake_board_mic_pending(void)
{
    return s_mic_len - s_mic_at;
}

uint32_t hs_board_mic_read(uint8_t *o_buf, uint32_t i_samples)
{
    uint32_t n = (s_mic_len - s_mic_at) / 2u;
    if (n > i_samples) n = i_samples;
    memcpy(o_buf, &s_mic[s_mic_at], 2u * n);
    s_mic_at += 2u * n;
    return n + fake_board_mic_overclaim;
}

void hs_board_init(void)
{
}

uint32_t hs_board_uart_read(uint8_t *o_buf, uint32_t i_len)
{
    uint32_t n = s_rx_len - s_rx_at;
    if (n > i_len) n = i_len;
    memcpy(o_buf, &s_rx[s_rx_at], n);
    s_rx_at += n;
    return n;
}

uint32_t hs_board_uart_write(const uint8_t *i_buf, uint32_t i_len)
{
    uint32_t n = i_len < s_tx_room ? i_len : s_tx_room;
    memcpy(&fake_board_tx[fake_board_tx_len], i_buf, n);
    fake_board_tx_len += n;
    s_tx_room -= n;
    return n;
}

uint32_t hs_board_clock_us(void)
{
    return fake_board_clock;
}

void hs_board_log(const char *i_text, uint32_t i_len)
{
    if (i_len >= sizeof fake_board_last_log) i_len = sizeof fake_board_last_log - 1;
    memcpy(fake_board_last_log, i_text, i_len);
    fake_board_last_log[i_len] = 0;
    fake_board_log_count++;
}

hs_storage_t *hs_board_storage(void)
{
    return &s_storage;
}

void hs_board_idle(void)
{
}
