/* hs_wamr.h: internal to src/wamr/. */
#ifndef HS_WAMR_H
#define HS_WAMR_H

#include <stdint.h>

#include "wasm_export.h"

/** The board ABI's natives as a writable NativeSymbol array for wasm_runtime_full_init. */
NativeSymbol *hs_wamr_symbols(uint32_t *o_count);

#endif /* HS_WAMR_H */
