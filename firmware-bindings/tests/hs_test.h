/*
 * hs_test.h: a minimal test harness for the host unit tests. A failed check prints where and
 * what, the test goes on; main returns nonzero if anything failed.
 */
#ifndef HS_TEST_H
#define HS_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int hs_test_failures;
extern int hs_test_checks;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        hs_test_checks++;                                                               \
        if (!(cond)) {                                                                  \
            hs_test_failures++;                                                         \
            fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__, __func__, #cond); \
        }                                                                               \
    } while (0)

#define CHECK_EQ(actual, expected)                                                      \
    do {                                                                                \
        const long long hs_a = (long long)(actual), hs_e = (long long)(expected);       \
        hs_test_checks++;                                                               \
        if (hs_a != hs_e) {                                                             \
            hs_test_failures++;                                                         \
            fprintf(stderr, "%s:%d: %s: %s is %lld, expected %lld\n", __FILE__, __LINE__, __func__, \
                    #actual, hs_a, hs_e);                                               \
        }                                                                               \
    } while (0)

#define CHECK_STR(actual, expected)                                                     \
    do {                                                                                \
        hs_test_checks++;                                                               \
        if (strcmp((actual), (expected)) != 0) {                                        \
            hs_test_failures++;                                                         \
            fprintf(stderr, "%s:%d: %s: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, __func__, \
                    #actual, (actual), (expected));                                     \
        }                                                                               \
    } while (0)

#define RUN(test)                                                                       \
    do {                                                                                \
        const int hs_before = hs_test_failures;                                         \
        test();                                                                         \
        printf("%s %s\n", hs_test_failures == hs_before ? "ok  " : "FAIL", #test);      \
    } while (0)

#define HS_TEST_DEFINE_GLOBALS \
    int hs_test_failures;      \
    int hs_test_checks

#define HS_TEST_SUMMARY()                                                               \
    (printf("%d checks, %d failed\n", hs_test_checks, hs_test_failures), hs_test_failures != 0)

#endif /* HS_TEST_H */
