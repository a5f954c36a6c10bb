/* fake_vm.c: the runtime boundary (hs_vm.h) over a byte array with guard zones (see fake.h). */
#include <stdlib.h>
#include <string.h>

#include "hetsyn/hs_vm.h"

#include "fake.h"

void fake_env_open(fake_env_t *o_env, uint32_t i_bytes, uint8_t i_fill)
{
    memset(o_env, 0, sizeof *o_env);
    o_env->block = malloc(i_bytes + 2u * FAKE_GUARD_BYTES);
    memset(o_env->block, FAKE_GUARD_FILL, i_bytes + 2u * FAKE_GUARD_BYTES);
    o_env->memory = o_env->block + FAKE_GUARD_BYTES;
    memset(o_env->memory, i_fill, i_bytes);
    o_env->bytes = i_bytes;
    o_env->has_memory = true;
}

void fake_env_close(fake_env_t *io_env)
{
    free(io_env->block);
    io_env->block = NULL;
}

bool fake_env_guards_intact(const fake_env_t *i_env)
{
    for (uint32_t i = 0; i < FAKE_GUARD_BYTES; i++) {
        if (i_env->block[i] != FAKE_GUARD_FILL) return false;
        if (i_env->memory[i_env->bytes + i] != FAKE_GUARD_FILL) return false;
    }
    return true;
}

bool fake_env_memory_is(const fake_env_t *i_env, uint8_t i_fill)
{
    for (uint32_t i = 0; i < i_env->bytes; i++) {
        if (i_env->memory[i] != i_fill) return false;
    }
    return true;
}

bool hs_vm_memory(hs_exec_env_t io_env, hs_vm_memory_t *o_memory)
{
    const fake_env_t *env = (const fake_env_t *)io_env;
    if (env == NULL || !env->has_memory) return false;
    o_memory->base = env->memory;
    o_memory->bytes = env->bytes;
    return true;
}

uint32_t hs_vm_app_address(hs_exec_env_t io_env, const uint8_t *i_native, uint32_t i_bytes)
{
    const fake_env_t *env = (const fake_env_t *)io_env;
    if (env->mapped == NULL || i_native < env->mapped) return 0;
    const uint32_t offset = (uint32_t)(i_native - env->mapped);
    if (offset > env->mapped_bytes || i_bytes > env->mapped_bytes - offset) return 0;
    return env->mapped_at + offset;
}

void hs_vm_raise(hs_exec_env_t io_env, const char *i_message)
{
    fake_env_t *env = (fake_env_t *)io_env;
    env->raised++;
    strncpy(env->exception, i_message, sizeof env->exception - 1);
    env->exception[sizeof env->exception - 1] = 0;
}
