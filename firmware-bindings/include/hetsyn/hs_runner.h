/*
 * hs_runner.h: runs build/hetsyn.wasm under WAMR. Needs WAMR (src/wamr/hs_runner.c).
 *
 *   hs_runner_init   WAMR from one static pool (no malloc), the natives registered, the module
 *                    loaded (bytecode or an AOT file from wamrc: WAMR tells them apart by magic),
 *                    and a WAMR shared heap over the board's model slots (hs_storage_map)
 *   hs_runner_start  instantiate with the stated wasm stack, attach the slots, call boardInit
 *   hs_runner_poll   call boardPoll once; on a wasm exception log it and restart the instance
 *   hs_runner_run    all of the above, then poll forever, idling when boardPoll says idle
 *
 * Lifetimes: the pool and the module buffer belong to the caller and must outlive the runner.
 * The module buffer must be writable for bytecode: WAMR's classic interpreter rewrites opcodes in
 * place while loading (so it is loaded once; a restart re-instantiates, it never reloads). An XIP
 * AOT file (wamrc --xip) may lie in flash: WAMR runs its code in place and writes nothing there.
 */
#ifndef HS_RUNNER_H
#define HS_RUNNER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hs_runner_config {
    uint8_t *pool;          /**< WAMR's whole heap: module, instance, linear memory, wasm stack */
    uint32_t pool_bytes;
    uint8_t *module;        /**< .wasm or AOT bytes, writable, 4-byte aligned (AOT needs it) */
    uint32_t module_bytes;
    uint32_t stack_bytes;   /**< wasm operand and frame stack of the instance (from the pool) */
} hs_runner_config_t;

typedef struct hs_runner {
    hs_runner_config_t config;
    void *module;    /* wasm_module_t */
    void *instance;  /* wasm_module_inst_t */
    void *exec_env;  /* wasm_exec_env_t */
    void *init_fn;   /* wasm_function_inst_t of boardInit */
    void *poll_fn;   /* wasm_function_inst_t of boardPoll */
    void *slots;     /* wasm_shared_heap_t over the board's model slots, or NULL */
    uint32_t restarts;
    uint32_t last_restart_us;
} hs_runner_t;

/** What the pool holds now and held at most (bytes). */
typedef struct hs_runner_memory {
    uint32_t pool_bytes;
    uint32_t used_bytes;
    uint32_t highmark_bytes;
    uint32_t linear_memory_bytes;
} hs_runner_memory_t;

/** 0 when WAMR runs and the module loaded; negative otherwise (the reason is logged). */
int32_t hs_runner_init(hs_runner_t *o_runner, const hs_runner_config_t *i_config);

/** Instantiates and calls boardInit; 0 on success, negative on failure (logged). */
int32_t hs_runner_start(hs_runner_t *io_runner);

/** Calls boardPoll once: 1 if it did work, 0 if idle. Restarts the instance after an exception. */
int32_t hs_runner_poll(hs_runner_t *io_runner);

/** hs_runner_start, then hs_runner_poll forever. Returns only if the runner cannot start at all. */
int32_t hs_runner_run(hs_runner_t *io_runner);

/** The pool's use now (for the log and the memory budget). */
void hs_runner_memory(const hs_runner_t *i_runner, hs_runner_memory_t *o_memory);

/** Logs pool use in one line, with a label. */
void hs_runner_log_memory(const hs_runner_t *i_runner, const char *i_label);

#ifdef __cplusplus
}
#endif

#endif /* HS_RUNNER_H */
