/* hs_port_posix.h: the host (POSIX) port's setup, called by its main before the runner. */
#ifndef HS_PORT_POSIX_H
#define HS_PORT_POSIX_H

#include <stdint.h>

#include "hetsyn/hs_storage.h"

/** Where the port's UART and storage live. */
typedef struct hs_posix_options {
    const char *uart_path;    /**< a tty or pty to open; NULL: see make_pty */
    int make_pty;             /**< nonzero: create a pseudo-terminal and print its name on stdout */
    const char *storage_path; /**< the file holding both slots (created erased when missing) */
} hs_posix_options_t;

/** Opens the UART and the storage file; 0 on success, -1 with a message on stderr. */
int hs_posix_open(const hs_posix_options_t *i_options);

/** The flash layout the port emulates in its storage file (board differences are data). */
extern const hs_storage_layout_t hs_posix_layout;

#endif /* HS_PORT_POSIX_H */
