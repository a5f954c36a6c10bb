/*
 * print_abi.c: prints the native table and the exports the runner calls as one JSON object, so
 * tests/host/firmware-abi.test.ts can compare them with build/hetsyn.wasm and docs/board-abi.md.
 * Built and run on the host (make abi); links the real hs_natives.c.
 */
#include <stdio.h>

#include "hetsyn/hs_abi.h"

int main(void)
{
    printf("{\"abiVersion\":%d,\"module\":\"%s\",\"imports\":[", HS_ABI_VERSION, HS_ABI_MODULE);
    for (int i = 0; i < HS_NATIVE_COUNT; i++) {
        printf("%s{\"name\":\"%s\",\"signature\":\"%s\"}", i ? "," : "", hs_natives[i].name, hs_natives[i].signature);
    }
    printf("],\"exports\":[{\"name\":\"%s\",\"signature\":\"%s\"},{\"name\":\"%s\",\"signature\":\"%s\"}]}\n",
           HS_EXPORT_INIT, HS_EXPORT_INIT_SIGNATURE, HS_EXPORT_POLL, HS_EXPORT_POLL_SIGNATURE);
    return 0;
}
