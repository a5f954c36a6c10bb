/* test_ring.c: the UART ring: capacity, full and empty, dropped bytes, index wrap-around. */
#include "hetsyn/hs_ring.h"

#include "hs_test.h"

HS_TEST_DEFINE_GLOBALS;

static void test_init(void)
{
    uint8_t bytes[16];
    hs_ring_t ring;
    CHECK(!hs_ring_init(&ring, bytes, 0));
    CHECK(!hs_ring_init(&ring, bytes, 1));
    CHECK(!hs_ring_init(&ring, bytes, 12));
    CHECK(hs_ring_init(&ring, bytes, 16));
    CHECK_EQ(hs_ring_used(&ring), 0);
}

static void test_full_and_empty(void)
{
    uint8_t bytes[8], out[16];
    hs_ring_t ring;
    hs_ring_init(&ring, bytes, 8);
    const uint8_t data[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK_EQ(hs_ring_write(&ring, data, 10), 8);
    CHECK_EQ(hs_ring_used(&ring), 8);
    CHECK(!hs_ring_put(&ring, 42));
    CHECK_EQ(ring.dropped, 1);
    CHECK_EQ(hs_ring_read(&ring, out, 3), 3);
    CHECK(out[0] == 0 && out[2] == 2);
    CHECK(hs_ring_put(&ring, 8));
    CHECK_EQ(hs_ring_read(&ring, out, 16), 6);
    CHECK(out[0] == 3 && out[5] == 8);
    uint8_t b;
    CHECK(!hs_ring_get(&ring, &b));
}

static void test_wrap_around(void)
{
    uint8_t bytes[4], out[4];
    hs_ring_t ring;
    hs_ring_init(&ring, bytes, 4);
    ring.head = ring.tail = 0xFFFFFFFEu; /* the counters wrap during this test */
    for (uint8_t round = 0; round < 5; round++) {
        const uint8_t data[3] = {round, (uint8_t)(round + 1), (uint8_t)(round + 2)};
        CHECK_EQ(hs_ring_write(&ring, data, 3), 3);
        CHECK_EQ(hs_ring_used(&ring), 3);
        CHECK_EQ(hs_ring_read(&ring, out, 4), 3);
        CHECK(out[0] == round && out[2] == round + 2);
    }
    CHECK_EQ(ring.dropped, 0);
}

int main(void)
{
    RUN(test_init);
    RUN(test_full_and_empty);
    RUN(test_wrap_around);
    return HS_TEST_SUMMARY();
}
