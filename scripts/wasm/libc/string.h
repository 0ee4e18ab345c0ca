/* The few <string.h> functions zstd calls, for a freestanding wasm32 build (defined in zstd-glue.c). */
#ifndef GSI_STRING_H
#define GSI_STRING_H
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif
