/*
 * The glue between libdeflate and JavaScript: an allocator of its own (so the module imports
 * nothing, not even WASI), one compressor per level kept for the life of the instance, and
 * gzip in one call.
 */
#include "libdeflate.h"

#include "alloc.h"

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
