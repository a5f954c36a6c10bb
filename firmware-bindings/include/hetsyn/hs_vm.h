/*
 * hs_vm.h: the runtime boundary. The natives need exactly two things from the runtime that calls
 * them: the current linear memory (to check buffers), the address at which the module reads a
 * mapped slot, and a way to raise a wasm exception (to refuse a call). src/wamr/hs_wamr_natives.c implements them with WAMR; tests/fake_vm.c with a
 * byte array, which is how the host tests reach every pointer and length check without WAMR.
 */
#ifndef HS_VM_H
#define HS_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "hs_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Linear memory as the natives see it: valid for the current call only (memory may move on grow). */
typedef struct hs_vm_memory {
    uint8_t *base;  /**< native address of linear memory offset 0 */
    uint32_t bytes; /**< current size in bytes */
} hs_vm_memory_t;

/** The linear memory of the instance running on io_env; false if it has none. */
bool hs_vm_memory(hs_exec_env_t io_env, hs_vm_memory_t *o_memory);

/**
 * The module's address of native bytes [i_native, +i_bytes) that the runtime maps into its
 * address space (WAMR: the shared heap over the model slots), or 0 when it does not map all of them.
 */
uint32_t hs_vm_app_address(hs_exec_env_t io_env, const uint8_t *i_native, uint32_t i_bytes);

/** Makes the current wasm call fail with this message once the native returns. */
void hs_vm_raise(hs_exec_env_t io_env, const char *i_message);

#ifdef __cplusplus
}
#endif

#endif /* HS_VM_H */
