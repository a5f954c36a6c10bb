/*
 * hs_runner.c: WAMR from a static pool, the module loaded once, an instance that boardInit
 * starts and boardPoll drives, and a restart of the instance after any wasm exception (a trap,
 * hetsyn_abort, a refused buffer) instead of a hang. Compiles only against WAMR's headers.
 */
#include <string.h>

#include "wasm_export.h"

#include "hetsyn/hs_abi.h"
#include "hetsyn/hs_board.h"
#include "hetsyn/hs_log.h"
#include "hetsyn/hs_runner.h"

#include "hs_wamr.h"

/* Restarts closer together than this are spaced out to it, so a module that traps at once does
 * not flood the log; the board keeps trying for ever. */
#define RESTART_SPACING_US 1000000u

static void log_text(const char *i_what, const char *i_detail)
{
    hs_line_t line;
    hs_line_start(&line, "runner: ");
    hs_line_str(&line, i_what);
    if (i_detail != NULL) {
        hs_line_str(&line, ": ");
        hs_line_str(&line, i_detail);
    }
    hs_line_send(&line);
}

static void log_number(const char *i_what, int32_t i_value)
{
    hs_line_t line;
    hs_line_start(&line, "runner: ");
    hs_line_str(&line, i_what);
    hs_line_str(&line, " ");
    hs_line_i32(&line, i_value);
    hs_line_send(&line);
}

/*
 * The module reads its model where the slots lie (storage_map, docs/board-abi.md): WAMR's shared
 * heap over them, pre-allocated (no allocator), which WAMR maps at the top of the module's 32-bit
 * address space and bounds-checks every access to, as it does linear memory. Without it
 * (a device that is not memory) storage_map answers 0 and the module refuses to load a model.
 */
static void map_slots(hs_runner_t *io_runner)
{
    hs_storage_t *storage = hs_board_storage();
    const uint8_t *first = hs_storage_map(storage, 0);
    const uint8_t *second = hs_storage_map(storage, 1);
    if (first == NULL || second == NULL) {
        log_text("the model slots are not memory; no model can be loaded", NULL);
        return;
    }
    const uint8_t *low = first < second ? first : second;
    const uint8_t *high = (first < second ? second : first) + hs_storage_slot_bytes(storage);
    SharedHeapInitArgs args;
    memset(&args, 0, sizeof args);
    args.size = (uint32_t)(high - low);
    args.pre_allocated_addr = (void *)low;
    io_runner->slots = wasm_runtime_create_shared_heap(&args);
    if (io_runner->slots == NULL) log_number("no shared heap over the model slots of (bytes)", (int32_t)args.size);
}

int32_t hs_runner_init(hs_runner_t *o_runner, const hs_runner_config_t *i_config)
{
    memset(o_runner, 0, sizeof *o_runner);
    o_runner->config = *i_config;

    RuntimeInitArgs args;
    memset(&args, 0, sizeof args);
    args.mem_alloc_type = Alloc_With_Pool;
    args.mem_alloc_option.pool.heap_buf = i_config->pool;
    args.mem_alloc_option.pool.heap_size = i_config->pool_bytes;
    args.native_module_name = HS_ABI_MODULE;
    args.native_symbols = hs_wamr_symbols(&args.n_native_symbols);
    if (!wasm_runtime_full_init(&args)) {
        log_number("WAMR did not start with a pool of (bytes)", (int32_t)i_config->pool_bytes);
        return -1;
    }

    const package_type_t type = get_package_type(i_config->module, i_config->module_bytes);
    hs_line_t line;
    hs_line_start(&line, "runner: module ");
    hs_line_u32(&line, i_config->module_bytes);
    hs_line_str(&line, type == Wasm_Module_AoT ? " B (AOT)" : type == Wasm_Module_Bytecode ? " B (bytecode)" : " B (unknown format)");
    hs_line_str(&line, ", pool ");
    hs_line_u32(&line, i_config->pool_bytes);
    hs_line_str(&line, " B, wasm stack ");
    hs_line_u32(&line, i_config->stack_bytes);
    hs_line_str(&line, " B");
    hs_line_send(&line);

    char error[128];
    o_runner->module = wasm_runtime_load(i_config->module, i_config->module_bytes, error, sizeof error);
    if (o_runner->module == NULL) {
        log_text("load failed", error);
        return -2;
    }
    hs_runner_log_memory(o_runner, "loaded");
    map_slots(o_runner);
    return 0;
}

/* Whether an export exists as a function () -> i32. */
static wasm_function_inst_t find_export(wasm_module_inst_t i_instance, const char *i_name)
{
    wasm_function_inst_t fn = wasm_runtime_lookup_function(i_instance, i_name);
    if (fn == NULL) {
        log_text("export missing", i_name);
        return NULL;
    }
    wasm_valkind_t result = WASM_I32;
    if (wasm_func_get_param_count(fn, i_instance) != 0 || wasm_func_get_result_count(fn, i_instance) != 1) {
        log_text("export is not () -> i32", i_name);
        return NULL;
    }
    wasm_func_get_result_types(fn, i_instance, &result);
    if (result != WASM_I32) {
        log_text("export is not () -> i32", i_name);
        return NULL;
    }
    return fn;
}

static void stop_instance(hs_runner_t *io_runner)
{
    if (io_runner->exec_env != NULL) wasm_runtime_destroy_exec_env((wasm_exec_env_t)io_runner->exec_env);
    if (io_runner->instance != NULL) wasm_runtime_deinstantiate((wasm_module_inst_t)io_runner->instance);
    io_runner->exec_env = NULL;
    io_runner->instance = NULL;
    io_runner->init_fn = NULL;
    io_runner->poll_fn = NULL;
}

/* Calls a () -> i32 export; false after an exception (logged and cleared). */
static bool call(hs_runner_t *io_runner, void *i_fn, const char *i_name, int32_t *o_result)
{
    uint32_t argv[1] = {0};
    wasm_exec_env_t env = (wasm_exec_env_t)io_runner->exec_env;
    if (wasm_runtime_call_wasm(env, (wasm_function_inst_t)i_fn, 0, argv)) {
        *o_result = (int32_t)argv[0];
        return true;
    }
    wasm_module_inst_t instance = (wasm_module_inst_t)io_runner->instance;
    const char *exception = wasm_runtime_get_exception(instance);
    hs_line_t line;
    hs_line_start(&line, "runner: ");
    hs_line_str(&line, i_name);
    hs_line_str(&line, ": ");
    hs_line_str(&line, exception != NULL ? exception : "failed without an exception");
    hs_line_send(&line);
    wasm_runtime_clear_exception(instance);
    return false;
}

int32_t hs_runner_start(hs_runner_t *io_runner)
{
    char error[128];
    stop_instance(io_runner);
    wasm_module_inst_t instance = wasm_runtime_instantiate((wasm_module_t)io_runner->module,
                                                           io_runner->config.stack_bytes, 0, error, sizeof error);
    if (instance == NULL) {
        log_text("instantiate failed", error);
        return -1;
    }
    io_runner->instance = instance;
    if (io_runner->slots != NULL && !wasm_runtime_attach_shared_heap(instance, (wasm_shared_heap_t)io_runner->slots)) {
        log_text("cannot attach the model slots", NULL);
    }
    io_runner->exec_env = wasm_runtime_create_exec_env(instance, io_runner->config.stack_bytes);
    if (io_runner->exec_env == NULL) {
        log_text("no memory for the execution environment", NULL);
        stop_instance(io_runner);
        return -2;
    }
    io_runner->init_fn = find_export(instance, HS_EXPORT_INIT);
    io_runner->poll_fn = find_export(instance, HS_EXPORT_POLL);
    if (io_runner->init_fn == NULL || io_runner->poll_fn == NULL) {
        stop_instance(io_runner);
        return -3;
    }
    int32_t status = 0;
    if (!call(io_runner, io_runner->init_fn, HS_EXPORT_INIT, &status)) {
        stop_instance(io_runner);
        return -4;
    }
    if (status != 0) log_number(HS_EXPORT_INIT " returned", status);
    hs_runner_log_memory(io_runner, "started");
    return 0;
}

/* Replaces the instance by a fresh one, spacing restarts out; true once one has started. */
static bool restart(hs_runner_t *io_runner)
{
    stop_instance(io_runner);
    const uint32_t since = hs_board_clock_us() - io_runner->last_restart_us;
    if (io_runner->restarts > 0 && since < RESTART_SPACING_US) {
        while (hs_board_clock_us() - io_runner->last_restart_us < RESTART_SPACING_US) hs_board_idle();
    }
    io_runner->restarts++;
    io_runner->last_restart_us = hs_board_clock_us();
    log_number("restarting the instance, restart", (int32_t)io_runner->restarts);
    return hs_runner_start(io_runner) == 0;
}

int32_t hs_runner_poll(hs_runner_t *io_runner)
{
    if (io_runner->instance == NULL) {
        /* The last start failed: try again (spaced out), never give up and never hang. */
        restart(io_runner);
        return 0;
    }
    int32_t work = 0;
    if (!call(io_runner, io_runner->poll_fn, HS_EXPORT_POLL, &work)) {
        restart(io_runner);
        return 1;
    }
    return work;
}

int32_t hs_runner_run(hs_runner_t *io_runner)
{
    if (io_runner->module == NULL) return -1;
    if (hs_runner_start(io_runner) != 0) restart(io_runner);
    for (;;) {
        if (hs_runner_poll(io_runner) == 0) hs_board_idle();
    }
}

void hs_runner_memory(const hs_runner_t *i_runner, hs_runner_memory_t *o_memory)
{
    mem_alloc_info_t info;
    memset(o_memory, 0, sizeof *o_memory);
    if (wasm_runtime_get_mem_alloc_info(&info)) {
        o_memory->pool_bytes = info.total_size;
        o_memory->used_bytes = info.total_size - info.total_free_size;
        o_memory->highmark_bytes = info.highmark_size;
    }
    if (i_runner->instance != NULL) {
        wasm_memory_inst_t memory = wasm_runtime_get_default_memory((wasm_module_inst_t)i_runner->instance);
        if (memory != NULL) {
            o_memory->linear_memory_bytes =
                (uint32_t)(wasm_memory_get_cur_page_count(memory) * wasm_memory_get_bytes_per_page(memory));
        }
    }
}

void hs_runner_log_memory(const hs_runner_t *i_runner, const char *i_label)
{
    hs_runner_memory_t memory;
    hs_runner_memory(i_runner, &memory);
    hs_line_t line;
    hs_line_start(&line, "runner: ");
    hs_line_str(&line, i_label);
    hs_line_str(&line, ": pool used ");
    hs_line_u32(&line, memory.used_bytes);
    hs_line_str(&line, " B of ");
    hs_line_u32(&line, memory.pool_bytes);
    hs_line_str(&line, ", highmark ");
    hs_line_u32(&line, memory.highmark_bytes);
    hs_line_str(&line, " B, linear memory ");
    hs_line_u32(&line, memory.linear_memory_bytes);
    hs_line_str(&line, " B");
    hs_line_send(&line);
}
