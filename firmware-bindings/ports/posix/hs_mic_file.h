/*
 * hs_mic_file.h: the host port's microphone, a file of 16-bit mono PCM: a WAV file (PCM, 16-bit,
 * mono; its rate from the header) or, without a RIFF/WAVE header, raw S16LE at a given rate. It
 * plays from the first read on: paced, a sample is delivered no earlier than its time after that
 * first read (a reader that falls behind gets the backlog: nothing is dropped); unpaced, as fast as
 * it is read. At the end of the file it delivers nothing more. A FIFO works as a raw file (read
 * without blocking). Compiles without WAMR; the time is a parameter, so tests need no clock.
 */
#ifndef HS_MIC_FILE_H
#define HS_MIC_FILE_H

#include <stdint.h>

typedef struct hs_mic_file {
    int fd;
    uint32_t rate_hz;
    int paced;
    uint64_t bytes_left; /**< PCM bytes the file still holds (a WAV's data chunk bounds it) */
    int started;
    uint64_t started_us; /**< time of the first read */
    uint64_t delivered;  /**< samples */
    int has_carry;       /**< a FIFO gave half a sample: its first byte waits here */
    uint8_t carry;
} hs_mic_file_t;

/**
 * Opens i_path; i_raw_rate_hz is the rate of a raw file (a WAV's header gives its own). 0 on
 * success, -1 with a message on stderr (unreadable, or a WAV that is not 16-bit mono PCM).
 */
int hs_mic_file_open(hs_mic_file_t *o_mic, const char *i_path, uint32_t i_raw_rate_hz, int i_paced);

/** Copies up to i_samples samples due at i_now_us (little-endian) into o_buf; how many. */
uint32_t hs_mic_file_read(hs_mic_file_t *io_mic, uint8_t *o_buf, uint32_t i_samples, uint64_t i_now_us);

void hs_mic_file_close(hs_mic_file_t *io_mic);

#endif /* HS_MIC_FILE_H */
