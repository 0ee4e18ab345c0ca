// The layer encoders' settings: the algorithms, the levels each accepts and its default. The
// encoders are in encoder.ts; config/build.ts parses the compression inputs against this.

export const COMPRESSION_ALGORITHMS = ['gzip', 'zstd'] as const;
export type CompressionAlgorithm = (typeof COMPRESSION_ALGORITHMS)[number];

export interface Compression {
  algorithm: CompressionAlgorithm;
  level: number;
}

/**
 * Default level per algorithm, measured on the benchmark binaries (docs/compression.md).
 * gzip is libdeflate's (src/image/encoder.ts): 10 is 3.4-3.7% smaller than `gzip -9 -n` for
 * 0.4-0.5x pako -9's CPU time; 12 gains 0.1-0.2% more for 1.5x the CPU.
 * zstd: 19 is 10.6-12.9% smaller than gzip 10 for about 3x its CPU; below 16 zstd gains little on
 * a Go binary (3, zstd's own default, is larger than gzip 10).
 */
export const DEFAULT_COMPRESSION_LEVEL = { gzip: 10, zstd: 19 } as const;
/**
 * The levels each encoder accepts. gzip: libdeflate's 0 (stored) to 12. zstd: 1 to 22 (its 0
 * means "the default level", and negative levels trade the ratio for speed a layer never needs).
 */
export const COMPRESSION_LEVELS: Readonly<Record<CompressionAlgorithm, readonly [number, number]>> = { gzip: [0, 12], zstd: [1, 22] };
