/*
 * hs_wamr_natives.c: the natives as WAMR sees them, and the runtime boundary (hs_vm.h) in WAMR
 * terms. Compiles only against WAMR's headers (make WAMR_ROOT=...).
 *
 * WAMR 2.4 sorts a NativeSymbol array in place when it is registered, so the array WAMR gets is
 * this writable static copy of the read-only table hs_natives[] (hs_natives.c).
 */
#include <string.h>

#include "wasm_export.h"

#include "hetsyn/hs_abi.h"
#include "hetsyn/hs_vm.h"

#include "hs_wamr.h"

static NativeSymbol s_symbols[HS_NATIVE_COUNT];

NativeSymbol *hs_wamr_symbols(uint32_t *o_count)
{
    for (uint32_t i = 0; i < HS_NATIVE_COUNT; i++) {
        s_symbols[i].symbol = hs_natives[i].name;
        /* WAMR's API takes natives as void *; it casts them back to call them. */
        s_symbols[i].func_ptr = (void *)hs_natives[i].fn;
        s_symbols[i].signature = hs_natives[i].signature;
        s_symbols[i].attachment = NULL;
    }
    *o_count = HS_NATIVE_COUNT;
    return s_symbols;
}

bool hs_vm_memory(hs_exec_env_t io_env, hs_vm_memory_t *o_memory)
{
    wasm_module_inst_t instance = wasm_runtime_get_module_inst((wasm_exec_env_t)io_env);
    if (instance == NULL) return false;
    wasm_memory_inst_t memory = wasm_runtime_get_default_memory(instance);
    if (memory == NULL) return false;
    /* After a shrink to __heap_base a "page" is the whole memory: pages x page size is right both ways. */
    const uint64_t bytes = wasm_memory_get_cur_page_count(memory) * wasm_memory_get_bytes_per_page(memory);
    o_memory->base = (uint8_t *)wasm_memory_get_base_address(memory);
    o_memory->bytes = bytes > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)bytes;
    return true;
}

uint32_t hs_vm_app_address(hs_exec_env_t io_env, const uint8_t *i_native, uint32_t i_bytes)
{
    wasm_module_inst_t instance = wasm_runtime_get_module_inst((wasm_exec_env_t)io_env);
    if (instance == NULL || !wasm_runtime_validate_native_addr(instance, (void *)i_native, i_bytes)) return 0;
    return (uint32_t)wasm_runtime_addr_native_to_app(instance, (void *)i_native);
}

void hs_vm_raise(hs_exec_env_t io_env, const char *i_message)
{
    wasm_module_inst_t instance = wasm_runtime_get_module_inst((wasm_exec_env_t)io_env);
    if (instance != NULL) wasm_runtime_set_exception(instance, i_message);
}
