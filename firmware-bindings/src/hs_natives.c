/*
 * hs_natives.c: the env imports of build/hetsyn.wasm (docs/board-abi.md), forwarded to the
 * board-support interface (hs_board.h). Independent of WAMR: the runtime is reached through
 * hs_vm.h only.
 *
 * Trust boundary: the module is our own code, but a buffer it passes is checked against linear
 * memory before anything is read or written (WAMR checks "*~" arguments already; this second check
 * costs two compares and is what the host tests exercise). A buffer outside linear memory raises
 * a wasm exception, so the call fails loudly, and nothing is read or written.
 */
#include <stddef.h>
#include <string.h>

#include "hetsyn/hs_abi.h"
#include "hetsyn/hs_board.h"
#include "hetsyn/hs_log.h"
#include "hetsyn/hs_vm.h"

/* AssemblyScript objects carry their byte length in the 4 bytes before the pointer (rtSize). */
#define AS_RTSIZE_BYTES 4u

/* Whether [i_ptr, i_ptr + i_len) lies inside the linear memory of the instance on io_env. */
static bool in_memory(hs_exec_env_t io_env, const uint8_t *i_ptr, uint32_t i_len)
{
    hs_vm_memory_t memory;
    if (!hs_vm_memory(io_env, &memory) || memory.base == NULL || i_ptr == NULL) return false;
    const uintptr_t base = (uintptr_t)memory.base;
    const uintptr_t at = (uintptr_t)i_ptr;
    if (at < base || at - base > memory.bytes) return false;
    return i_len <= memory.bytes - (uint32_t)(at - base);
}

/* Checks a buffer argument; raises an exception naming the import when it is outside memory. */
static bool buffer_ok(hs_exec_env_t io_env, const char *i_import, const uint8_t *i_ptr, uint32_t i_len)
{
    if (in_memory(io_env, i_ptr, i_len)) return true;
    hs_line_t line;
    hs_line_start(&line, "hetsyn: ");
    hs_line_str(&line, i_import);
    hs_line_str(&line, ": buffer outside linear memory");
    hs_vm_raise(io_env, hs_line_cstr(&line)); /* WAMR copies the message */
    return false;
}

static uint32_t load_u32_le(const uint8_t *i_at)
{
    return (uint32_t)i_at[0] | ((uint32_t)i_at[1] << 8) | ((uint32_t)i_at[2] << 16) | ((uint32_t)i_at[3] << 24);
}

/*
 * Appends the AssemblyScript string at linear-memory offset i_string: UTF-16LE code units, ASCII
 * kept, anything else shown as '?'. Every offset and the length word are checked first.
 */
static void append_as_string(hs_line_t *io_line, const hs_vm_memory_t *i_memory, uint32_t i_string)
{
    if (i_string == 0) {
        hs_line_str(io_line, "(null)");
        return;
    }
    if (i_string < AS_RTSIZE_BYTES || i_string > i_memory->bytes) {
        hs_line_str(io_line, "(bad string pointer)");
        return;
    }
    const uint32_t bytes = load_u32_le(&i_memory->base[i_string - AS_RTSIZE_BYTES]);
    if (bytes > i_memory->bytes - i_string) {
        hs_line_str(io_line, "(bad string length)");
        return;
    }
    for (uint32_t i = 0; i + 1 < bytes && !io_line->cut; i += 2) {
        const uint32_t unit = (uint32_t)i_memory->base[i_string + i] | ((uint32_t)i_memory->base[i_string + i + 1] << 8);
        const uint8_t c = (unit >= 0x20 && unit < 0x7f) ? (uint8_t)unit : (uint8_t)'?';
        hs_line_bytes(io_line, &c, 1);
    }
}

void hs_native_hetsyn_abort(hs_exec_env_t io_env, uint32_t i_message, uint32_t i_file, uint32_t i_line,
                            uint32_t i_column)
{
    hs_line_t line;
    hs_line_start(&line, "hetsyn_abort: ");
    hs_vm_memory_t memory;
    if (hs_vm_memory(io_env, &memory) && memory.base != NULL) {
        append_as_string(&line, &memory, i_message);
        hs_line_str(&line, " at ");
        append_as_string(&line, &memory, i_file);
    } else {
        hs_line_str(&line, "(no linear memory)");
    }
    hs_line_str(&line, ":");
    hs_line_u32(&line, i_line);
    hs_line_str(&line, ":");
    hs_line_u32(&line, i_column);
    hs_line_send(&line);
    /* An engine bug: the call must not continue. The runner logs the exception and restarts. */
    hs_vm_raise(io_env, "hetsyn_abort");
}

int32_t hs_native_uart_read(hs_exec_env_t io_env, uint8_t *o_buf, uint32_t i_len)
{
    if (!buffer_ok(io_env, "uart_read", o_buf, i_len)) return 0;
    return (int32_t)hs_board_uart_read(o_buf, i_len);
}

int32_t hs_native_uart_write(hs_exec_env_t io_env, const uint8_t *i_buf, uint32_t i_len)
{
    if (!buffer_ok(io_env, "uart_write", i_buf, i_len)) return 0;
    return (int32_t)hs_board_uart_write(i_buf, i_len);
}

int32_t hs_native_storage_bytes(hs_exec_env_t io_env)
{
    (void)io_env;
    return (int32_t)hs_storage_slot_bytes(hs_board_storage());
}

int32_t hs_native_storage_erase(hs_exec_env_t io_env, int32_t i_slot)
{
    (void)io_env;
    return hs_storage_erase(hs_board_storage(), i_slot);
}

int32_t hs_native_storage_write(hs_exec_env_t io_env, int32_t i_slot, uint32_t i_offset, const uint8_t *i_buf,
                                uint32_t i_len)
{
    if (!buffer_ok(io_env, "storage_write", i_buf, i_len)) return HS_E_MEMORY;
    return hs_storage_write(hs_board_storage(), i_slot, i_offset, i_buf, i_len);
}

int32_t hs_native_storage_read(hs_exec_env_t io_env, int32_t i_slot, uint32_t i_offset, uint8_t *o_buf,
                               uint32_t i_len)
{
    if (!buffer_ok(io_env, "storage_read", o_buf, i_len)) return HS_E_MEMORY;
    return hs_storage_read(hs_board_storage(), i_slot, i_offset, o_buf, i_len);
}

int32_t hs_native_storage_map(hs_exec_env_t io_env, int32_t i_slot)
{
    hs_storage_t *storage = hs_board_storage();
    const uint32_t bytes = hs_storage_slot_bytes(storage);
    const uint8_t *slot = hs_storage_map(storage, i_slot);
    /* 0 unless the runtime makes the whole slot readable by the module (WAMR's shared heap). */
    return slot == NULL ? 0 : (int32_t)hs_vm_app_address(io_env, slot, bytes);
}

int32_t hs_native_clock_us(hs_exec_env_t io_env)
{
    (void)io_env;
    return (int32_t)hs_board_clock_us();
}

void hs_native_log(hs_exec_env_t io_env, const uint8_t *i_buf, uint32_t i_len)
{
    if (!buffer_ok(io_env, "log", i_buf, i_len)) return;
    hs_line_t line;
    hs_line_start(&line, "");
    hs_line_bytes(&line, i_buf, i_len);
    hs_line_send(&line);
}

int32_t hs_native_mic_read(hs_exec_env_t io_env, uint8_t *o_buf, uint32_t i_len)
{
    if (!buffer_ok(io_env, "mic_read", o_buf, i_len)) return 0;
    const uint32_t samples = hs_board_mic_read(o_buf, i_len / 2u);
    /* A port that claims more than it was offered is held to the buffer. */
    return (int32_t)(2u * (samples < i_len / 2u ? samples : i_len / 2u));
}

#define NATIVE(name, signature) {#name, (hs_native_fn_t)hs_native_##name, signature}

const hs_native_t hs_natives[HS_NATIVE_COUNT] = {
    NATIVE(hetsyn_abort, "(iiii)"),
    NATIVE(uart_read, "(*~)i"),
    NATIVE(uart_write, "(*~)i"),
    NATIVE(storage_bytes, "()i"),
    NATIVE(storage_erase, "(i)i"),
    NATIVE(storage_write, "(ii*~)i"),
    NATIVE(storage_read, "(ii*~)i"),
    NATIVE(storage_map, "(i)i"),
    NATIVE(clock_us, "()i"),
    NATIVE(log, "(*~)"),
    NATIVE(mic_read, "(*~)i"),
};
