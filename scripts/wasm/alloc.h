/*
 * A tiny allocator for a wasm32 module that imports nothing (not even WASI), shared by glue.c
 * (libdeflate) and zstd-glue.c: include it once per module. It exports gsi_malloc and gsi_free
 * for JavaScript to place input and output buffers.
 */
#include <stddef.h>
#include <stdint.h>

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
