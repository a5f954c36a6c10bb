/*
 * main.c of the host (POSIX) port: hs_runner on the host, for running the C side natively.
 *
 *   hetsyn-fw-posix [--pty | --uart PATH] [--storage FILE] MODULE
 *
 * MODULE is build/hetsyn.wasm or an AOT file compiled from it for this host. --pty creates a
 * pseudo-terminal and prints "pty /dev/pts/N" on stdout; the host tool connects to that name.
 * Storage defaults to hetsyn-slots.bin in the current directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hetsyn/hs_board.h"
#include "hetsyn/hs_runner.h"

#include "hs_port_posix.h"

static _Alignas(8) uint8_t s_pool[256 * 1024];

static uint8_t *read_file(const char *i_path, uint32_t *o_bytes)
{
    FILE *f = fopen(i_path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    const long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = size > 0 ? malloc((size_t)size) : NULL;
    if (bytes != NULL && fread(bytes, 1, (size_t)size, f) != (size_t)size) {
        free(bytes);
        bytes = NULL;
    }
    fclose(f);
    *o_bytes = (uint32_t)size;
    return bytes;
}

int main(int argc, char **argv)
{
    hs_posix_options_t options = {.uart_path = NULL, .make_pty = 0, .storage_path = "hetsyn-slots.bin"};
    const char *module_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pty") == 0) {
            options.make_pty = 1;
        } else if (strcmp(argv[i], "--uart") == 0 && i + 1 < argc) {
            options.uart_path = argv[++i];
        } else if (strcmp(argv[i], "--storage") == 0 && i + 1 < argc) {
            options.storage_path = argv[++i];
        } else if (argv[i][0] != '-' && module_path == NULL) {
            module_path = argv[i];
        } else {
            module_path = NULL;
            break;
        }
    }
    if (module_path == NULL) {
        fprintf(stderr, "usage: %s [--pty | --uart PATH] [--storage FILE] MODULE.wasm|MODULE.aot\n", argv[0]);
        return 2;
    }
    uint32_t module_bytes = 0;
    uint8_t *module = read_file(module_path, &module_bytes);
    if (module == NULL) {
        fprintf(stderr, "cannot read %s\n", module_path);
        return 1;
    }
    if (hs_posix_open(&options) != 0) return 1;
    hs_board_init();

    hs_runner_t runner;
    const hs_runner_config_t config = {
        .pool = s_pool,
        .pool_bytes = sizeof s_pool,
        .module = module,
        .module_bytes = module_bytes,
        .stack_bytes = hs_board_profile.wasm_stack_bytes,
    };
    if (hs_runner_init(&runner, &config) != 0) return 1;
    hs_runner_run(&runner);
    return 1;
}
