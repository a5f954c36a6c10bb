/*
 * hs_module.h: the module embedded in flash, as `hetsyn firmware embed -o FILE.c` generates it
 * from build/hetsyn.wasm (or from an AOT file compiled with wamrc). Writable (.data, so a copy in
 * RAM) and 4-byte aligned: WAMR's classic interpreter rewrites opcodes in the buffer while loading,
 * and AOT needs 4. An AOT file from `wamrc --xip` embedded with `--xip` stays in flash (a
 * .rodata section): WAMR runs it in place and does not write it.
 */
#ifndef HS_MODULE_H
#define HS_MODULE_H

#include <stdint.h>

extern uint8_t hetsyn_module[];
extern const uint32_t hetsyn_module_bytes;

#endif /* HS_MODULE_H */
