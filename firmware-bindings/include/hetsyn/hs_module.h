/*
 * hs_module.h: the module embedded in flash, as `hetsyn firmware embed -o FILE.c` generates it
 * from build/hetsyn.wasm (or from an AOT file compiled with wamrc). Writable and 4-byte aligned:
 * WAMR's classic interpreter rewrites opcodes in the buffer while loading, and AOT needs 4.
 */
#ifndef HS_MODULE_H
#define HS_MODULE_H

#include <stdint.h>

extern uint8_t hetsyn_module[];
extern const uint32_t hetsyn_module_bytes;

#endif /* HS_MODULE_H */
