/*
 * hs_semihost_flash.h: model storage in a file on the machine that runs the emulator, through Arm
 * semihosting (QEMU: -semihosting-config enable=on,target=native). For emulated boards whose
 * machine has no flash QEMU keeps between runs (mps2-an386), or none it can program
 * (netduinoplus2: the STM32's flash controller is not emulated). The file is the flash image:
 * device address = file offset, erased bytes read 0xFF, programming only clears bits (NOR), so the
 * A/B promise of hs_storage.h holds across a killed emulator: every write is one host write()
 * that has finished, or not begun, when the emulator process dies.
 *
 * With an image in memory (io_image of hs_semihost_flash_open) the port also keeps the flash
 * as memory, as a real chip maps its flash: the file is read into it at boot, every erase and
 * program lands in both, reads come from it, and the model runs from it in place (map).
 *
 * The image may be a window smaller than the file (a board with too little RAM to mirror both
 * slots): it then holds the last range mapped, read from the file when a map asks for another,
 * so a map of one slot replaces what an earlier map of the other showed. That is safe because
 * the module maps only the slot it is about to load (assembly/board/slots.ts) and reads nothing
 * of an unloaded model; the window's bytes are the running model's until the next load.
 *
 * Semihosting traps with `bkpt 0xAB`: without semihosting enabled the emulator (or a real chip
 * without a debugger) takes a fault instead, so only emulator builds use this file.
 */
#ifndef HS_SEMIHOST_FLASH_H
#define HS_SEMIHOST_FLASH_H

#include <stdint.h>

#include "hetsyn/hs_storage.h"

/** An open flash image: the semihosting handle, the image's size, and its copy in memory. */
typedef struct hs_semihost_flash {
    int32_t handle; /**< -1 when the file could not be opened (every operation then fails) */
    uint32_t size;
    uint8_t *image;       /**< the window the flash is mirrored in, or NULL (then nothing maps) */
    uint32_t image_bytes; /**< the window's size: size for a whole mirror */
    uint32_t image_base;  /**< the flash address of the window's first byte */
} hs_semihost_flash_t;

/**
 * Opens the image `i_name` (relative to the emulator's working directory) once, at boot: an
 * existing file is kept, a missing one is created, and either is extended with 0xFF to
 * `i_size` bytes; its first `i_image_bytes` (at most i_size) are then read into `io_image`
 * (NULL for no image). 0 on success, -1 when the host refused the file.
 */
int32_t hs_semihost_flash_open(hs_semihost_flash_t *o_flash, const char *i_name, uint32_t i_size,
                               uint8_t *io_image, uint32_t i_image_bytes);

extern const hs_flash_ops_t hs_semihost_flash_ops;

#endif /* HS_SEMIHOST_FLASH_H */
