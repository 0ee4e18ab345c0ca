/*
 * The glue between zstd and JavaScript: the C library calls zstd makes (an allocator from
 * alloc.h and four memory functions, so the module imports nothing), one compression context
 * kept for the life of the instance, a frame in one call, and streaming decompression.
 */
#include <stddef.h>
#include <stdint.h>

#define ZSTD_STATIC_LINKING_ONLY
#include "zstd.h"

#include "alloc.h"

void *
malloc(size_t size)
{
	return gsi_malloc(size);
}

void *
calloc(size_t count, size_t size)
{
	size_t total = count * size;
	void *ptr;

	if (size != 0 && total / size != count)
		return NULL;
	ptr = gsi_malloc(total);
	if (ptr)
		__builtin_memset(ptr, 0, total);
	return ptr;
}

void
free(void *ptr)
{
	gsi_free(ptr);
}

/* Byte loops the compiler turns into memory.copy / memory.fill (-mbulk-memory); memcmp stays a loop. */
void *
memcpy(void *dst, const void *src, size_t n)
{
	__builtin_memcpy(dst, src, n);
	return dst;
}

void *
memmove(void *dst, const void *src, size_t n)
{
	__builtin_memmove(dst, src, n);
	return dst;
}

void *
memset(void *dst, int c, size_t n)
{
	__builtin_memset(dst, c, n);
	return dst;
}

int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n > 0; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

static ZSTD_CCtx *cctx;

/* The most bytes gsi_zstd can write for in_nbytes of input. */
__attribute__((export_name("gsi_zstd_bound"))) size_t
gsi_zstd_bound(size_t in_nbytes)
{
	return ZSTD_compressBound(in_nbytes);
}

/*
 * One complete zstd frame at `level`, with the content size and a checksum, single-threaded so
 * the bytes depend only on the input and the level; returns its size, 0 on failure.
 */
__attribute__((export_name("gsi_zstd"))) size_t
gsi_zstd(int level, const void *in, size_t in_nbytes, void *out, size_t out_nbytes_avail)
{
	size_t size;

	if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
		return 0;
	if (!cctx && !(cctx = ZSTD_createCCtx()))
		return 0;
	ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
	if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1)))
		return 0;
	size = ZSTD_compress2(cctx, out, out_nbytes_avail, in, in_nbytes);
	return ZSTD_isError(size) ? 0 : size;
}

/* Streaming decompression: a context per stream, then gsi_unzstd over ZSTD_inBuffer/ZSTD_outBuffer. */
__attribute__((export_name("gsi_unzstd_new"))) ZSTD_DCtx *
gsi_unzstd_new(void)
{
	return ZSTD_createDCtx();
}

__attribute__((export_name("gsi_unzstd_free"))) void
gsi_unzstd_free(ZSTD_DCtx *dctx)
{
	ZSTD_freeDCtx(dctx);
}

/*
 * Decompresses from *in into *out (each { ptr, size, pos }, three 32-bit words), moving their
 * `pos`; returns 0 at the end of a frame, another number while a frame goes on, or an error code
 * (see gsi_zstd_error).
 */
__attribute__((export_name("gsi_unzstd"))) size_t
gsi_unzstd(ZSTD_DCtx *dctx, ZSTD_inBuffer *in, ZSTD_outBuffer *out)
{
	return ZSTD_decompressStream(dctx, out, in);
}

/* The message of an error code, as a NUL-terminated string; NULL when `code` is no error. */
__attribute__((export_name("gsi_zstd_error"))) const char *
gsi_zstd_error(size_t code)
{
	return ZSTD_isError(code) ? ZSTD_getErrorName(code) : NULL;
}
