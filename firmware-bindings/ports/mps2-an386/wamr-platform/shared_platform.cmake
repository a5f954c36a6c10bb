# WAMR platform layer for a Cortex-M board without an RTOS (hetsyn firmware-bindings).
# Use: cmake <wamr> -DWAMR_BUILD_PLATFORM=hetsyn-baremetal \
#        -DSHARED_PLATFORM_CONFIG=<repo>/firmware-bindings/ports/mps2-an386/wamr-platform/shared_platform.cmake
# The platform source includes hetsyn/hs_board.h for the log and the clock.

set (PLATFORM_SHARED_DIR ${CMAKE_CURRENT_LIST_DIR})

add_definitions (-DBH_PLATFORM_HETSYN_BAREMETAL)

include_directories (${PLATFORM_SHARED_DIR})
include_directories (${SHARED_DIR}/platform/include)
include_directories (${PLATFORM_SHARED_DIR}/../../../include)

set (PLATFORM_SHARED_SOURCE ${PLATFORM_SHARED_DIR}/hs_platform.c)
