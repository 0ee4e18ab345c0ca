/*
 * The glue between libdeflate and JavaScript: an allocator of its own (so the module imports
 * nothing, not even WASI), one compressor per level kept for the life of the instance, and
 * gzip in one call.
 */
#include <stddef.h>
#include <stdint.h>

#include "libdeflate.h"

#define ALIGNMENT 16
#define PAGE 65536

/* A first-fit free list over memory that only grows: the callers allocate a few large buffers
 * once (one compressor per level, one input and one output buffer) and reuse them. */
struct block {
	size_t size;
	struct block *next;
};

extern unsigned char __heap_base;
static uintptr_t heap_top;
static struct block *free_blocks;

__attribute__((export_name("gsi_malloc"))) void *
gsi_malloc(size_t size)
{
	struct block **link, *b;
	uintptr_t start, end, have;

	size = (size + ALIGNMENT - 1) & ~(size_t)(ALIGNMENT - 1);
	for (link = &free_blocks; *link; link = &(*link)->next) {
		if ((*link)->size >= size) {
			b = *link;
			*link = b->next;
			return (unsigned char *)b + ALIGNMENT;
		}
	}
	if (heap_top == 0)
		heap_top = ((uintptr_t)&__heap_base + ALIGNMENT - 1) & ~(uintptr_t)(ALIGNMENT - 1);
	start = heap_top;
	end = start + ALIGNMENT + size;
	if (end < start)
		return NULL;
	have = (uintptr_t)__builtin_wasm_memory_size(0) * PAGE;
	if (end > have &&
	    __builtin_wasm_memory_grow(0, (end - have + PAGE - 1) / PAGE) == (size_t)-1)
		return NULL;
	heap_top = end;
	b = (struct block *)start;
	b->size = size;
	return (unsigned char *)b + ALIGNMENT;
}

__attribute__((export_name("gsi_free"))) void
gsi_free(void *ptr)
{
	struct block *b;

	if (!ptr)
		return;
	b = (struct block *)((unsigned char *)ptr - ALIGNMENT);
	b->next = free_blocks;
	free_blocks = b;
}

static struct libdeflate_compressor *compressors[13];

static struct libdeflate_compressor *
compressor(int level)
{
	if (level < 0 || level > 12)
		return NULL;
	if (!compressors[level]) {
		libdeflate_set_memory_allocator(gsi_malloc, gsi_free);
		compressors[level] = libdeflate_alloc_compressor(level);
	}
	return compressors[level];
}

/* The most bytes gsi_gzip can write for in_nbytes of input; 0 for a bad level or no memory. */
__attribute__((export_name("gsi_gzip_bound"))) size_t
gsi_gzip_bound(int level, size_t in_nbytes)
{
	struct libdeflate_compressor *c = compressor(level);

	return c ? libdeflate_gzip_compress_bound(c, in_nbytes) : 0;
}

/* One complete gzip member (no name, no time); returns its size, 0 on failure. */
__attribute__((export_name("gsi_gzip"))) size_t
gsi_gzip(int level, const void *in, size_t in_nbytes, void *out, size_t out_nbytes_avail)
{
	struct libdeflate_compressor *c = compressor(level);

	return c ? libdeflate_gzip_compress(c, in, in_nbytes, out, out_nbytes_avail) : 0;
}
