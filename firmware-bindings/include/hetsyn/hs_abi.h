/*
 * hs_abi.h: the board ABI (docs/board-abi.md) on the C side.
 *
 * build/hetsyn.wasm imports the functions below from module "env" and exports boardInit/boardPoll.
 * The natives are plain C functions with WAMR's native calling convention (the execution
 * environment first, then the wasm arguments as WAMR hands them over), listed in one table,
 * hs_natives[], that knows nothing about WAMR: src/wamr/hs_wamr_natives.c copies it into the
 * writable NativeSymbol array WAMR wants, and tests/print_abi.c prints it so CI can compare it
 * with the module's imports.
 *
 * Naming: hs_ prefix; parameters say their direction: i_ read, o_ written, io_ both.
 * Signature letters (WAMR): i i32, * pointer into linear memory that WAMR bounds-checks,
 * ~ byte length of the preceding * (checked with it).
 */
#ifndef HS_ABI_H
#define HS_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Reported in the protocol's INFO reply by the module; changes with any import or export. */
#define HS_ABI_VERSION 3

/** The module name of every import. */
#define HS_ABI_MODULE "env"

/** The exports the runner calls, with their WAMR signatures. */
#define HS_EXPORT_INIT "boardInit"
#define HS_EXPORT_INIT_SIGNATURE "()i"
#define HS_EXPORT_POLL "boardPoll"
#define HS_EXPORT_POLL_SIGNATURE "()i"

/** Storage slots: the module owns their layout, the board stores bytes. */
#define HS_SLOT_COUNT 2

/**
 * What the storage natives return: the storage status codes of docs/board-abi.md, the same table
 * as the virtual board's (host/wasm/storage-status.ts); a host test keeps the three equal. The
 * module forwards a failing one as the detail of the protocol's STORAGE error.
 */
enum hs_storage_status {
    HS_OK = 0,            /**< success */
    HS_E_SLOT = -1,       /**< no such slot: not 0 or 1, or the board has no storage */
    HS_E_RANGE = -2,      /**< offset and length reach outside the slot */
    HS_E_NOT_ERASED = -3, /**< a write over bytes that are not erased */
    HS_E_DEVICE = -4,     /**< the flash device failed to erase, program or read */
    HS_E_MEMORY = -5      /**< a buffer outside linear memory (the call raised an exception too) */
};

/**
 * The execution environment WAMR passes first to every native. Opaque here (WAMR's
 * wasm_exec_env_t is a pointer to a struct), so this layer compiles without WAMR.
 */
typedef void *hs_exec_env_t;

/* One native per import. Pointers are native addresses WAMR has already bounds-checked against
 * linear memory ("*~"); each native checks them once more through hs_vm_memory() (hs_vm.h), so
 * a runtime built without that check, or a fake one in a test, cannot make it write elsewhere. */

/** env.hetsyn_abort (iiii): message/file are offsets of AssemblyScript strings or 0. */
void hs_native_hetsyn_abort(hs_exec_env_t io_env, uint32_t i_message, uint32_t i_file, uint32_t i_line,
                            uint32_t i_column);
/** env.uart_read (*~)i */
int32_t hs_native_uart_read(hs_exec_env_t io_env, uint8_t *o_buf, uint32_t i_len);
/** env.uart_write (*~)i */
int32_t hs_native_uart_write(hs_exec_env_t io_env, const uint8_t *i_buf, uint32_t i_len);
/** env.storage_bytes ()i */
int32_t hs_native_storage_bytes(hs_exec_env_t io_env);
/** env.storage_erase (i)i */
int32_t hs_native_storage_erase(hs_exec_env_t io_env, int32_t i_slot);
/** env.storage_write (ii*~)i */
int32_t hs_native_storage_write(hs_exec_env_t io_env, int32_t i_slot, uint32_t i_offset, const uint8_t *i_buf,
                                uint32_t i_len);
/** env.storage_read (ii*~)i */
int32_t hs_native_storage_read(hs_exec_env_t io_env, int32_t i_slot, uint32_t i_offset, uint8_t *o_buf,
                               uint32_t i_len);
/** env.storage_map (i)i: the module's address of the slot read in place, or 0 */
int32_t hs_native_storage_map(hs_exec_env_t io_env, int32_t i_slot);
/** env.clock_us ()i */
int32_t hs_native_clock_us(hs_exec_env_t io_env);
/** env.log (*~) */
void hs_native_log(hs_exec_env_t io_env, const uint8_t *i_buf, uint32_t i_len);
/** env.mic_read (*~)i: whole 16-bit samples, little-endian; returns the bytes copied */
int32_t hs_native_mic_read(hs_exec_env_t io_env, uint8_t *o_buf, uint32_t i_len);

/** A generic function pointer: the table stores natives of different types. */
typedef void (*hs_native_fn_t)(void);

/** One row of the import table. */
typedef struct hs_native {
    const char *name;      /**< import name in module "env" */
    hs_native_fn_t fn;     /**< the native, cast back by the runtime when it calls */
    const char *signature; /**< WAMR signature string */
} hs_native_t;

#define HS_NATIVE_COUNT 11

/** Every import of the board ABI, in docs/board-abi.md order. Read-only: WAMR gets a copy. */
extern const hs_native_t hs_natives[HS_NATIVE_COUNT];

/** Longest log line forwarded to the board (longer ones are cut, with "..." at the end). */
#define HS_LOG_LINE_MAX 160

#ifdef __cplusplus
}
#endif

#endif /* HS_ABI_H */
