/*
 * syscalls.c: the C library's hooks on a board with no C heap and no files. Nothing in the
 * firmware allocates from a C heap (WAMR uses its pool), so sbrk always refuses.
 */
#include <errno.h>
#include <stddef.h>

void *_sbrk(ptrdiff_t increment);

void *_sbrk(ptrdiff_t increment)
{
    (void)increment;
    errno = ENOMEM;
    return (void *)-1;
}
