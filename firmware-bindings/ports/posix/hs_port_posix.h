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
    const char *mic_path;     /**< the microphone: a WAV or raw S16LE file (hs_mic_file.h); NULL: none */
    uint32_t mic_rate_hz;     /**< the rate of a raw microphone file */
    int mic_paced;            /**< nonzero: the file plays in real time; zero: as fast as it is read */
} hs_posix_options_t;

/** Opens the UART, the storage file and the microphone; 0 on success, -1 with a message on stderr. */
int hs_posix_open(const hs_posix_options_t *i_options);

/** The flash layout the port emulates in its storage file (board differences are data). */
extern const hs_storage_layout_t hs_posix_layout;

#endif /* HS_PORT_POSIX_H */
