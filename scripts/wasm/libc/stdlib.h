/* zstd's allocator calls, for a freestanding wasm32 build (defined in zstd-glue.c over alloc.h). */
#ifndef GSI_STDLIB_H
#define GSI_STDLIB_H
#include <stddef.h>
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void free(void *ptr);
#endif
