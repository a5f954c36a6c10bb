/*
 * main.c of the host (POSIX) port: hs_runner on the host, for running the C side natively.
 *
 *   hetsyn-fw-posix [--pty | --uart PATH] [--storage FILE] [--mic FILE [--mic-rate HZ] [--mic-fast]] MODULE
 *
 * MODULE is build/hetsyn.wasm or an AOT file compiled from it for this host. --pty creates a
 * pseudo-terminal and prints "pty /dev/pts/N" on stdout; the host tool connects to that name.
 * Storage defaults to hetsyn-slots.bin in the current directory. --mic (or the environment
 * variable HETSYN_MIC; the flag wins) names the microphone: a WAV file (16-bit mono PCM) or raw
 * S16LE at --mic-rate (default 16000 Hz), played in real time from the module's first mic_read,
 * or as fast as it is read with --mic-fast (hs_mic_file.h).
 */
#include <errno.h>
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
    hs_posix_options_t options = {
        .uart_path = NULL,
        .make_pty = 0,
        .storage_path = "hetsyn-slots.bin",
        .mic_path = getenv("HETSYN_MIC"),
        .mic_rate_hz = 16000,
        .mic_paced = 1,
    };
    const char *module_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pty") == 0) {
            options.make_pty = 1;
        } else if (strcmp(argv[i], "--uart") == 0 && i + 1 < argc) {
            options.uart_path = argv[++i];
        } else if (strcmp(argv[i], "--storage") == 0 && i + 1 < argc) {
            options.storage_path = argv[++i];
        } else if (strcmp(argv[i], "--mic") == 0 && i + 1 < argc) {
            options.mic_path = argv[++i];
        } else if (strcmp(argv[i], "--mic-rate") == 0 && i + 1 < argc) {
            char *end = NULL;
            errno = 0;
            const unsigned long rate = strtoul(argv[++i], &end, 10);
            if (errno != 0 || *end != 0 || rate == 0 || rate > 192000) {
                module_path = NULL;
                break;
            }
            options.mic_rate_hz = (uint32_t)rate;
        } else if (strcmp(argv[i], "--mic-fast") == 0) {
            options.mic_paced = 0;
        } else if (argv[i][0] != '-' && module_path == NULL) {
            module_path = argv[i];
        } else {
            module_path = NULL;
            break;
        }
    }
    if (options.mic_path != NULL && options.mic_path[0] == 0) options.mic_path = NULL; /* HETSYN_MIC= */
    if (module_path == NULL) {
        fprintf(stderr,
                "usage: %s [--pty | --uart PATH] [--storage FILE] [--mic FILE [--mic-rate HZ] [--mic-fast]] "
                "MODULE.wasm|MODULE.aot\n",
                argv[0]);
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
