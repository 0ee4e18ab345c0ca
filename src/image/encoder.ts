import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { COMPRESSION_LEVELS, type Compression, type CompressionAlgorithm } from './compression.js';
import { CHUNK_BYTES, EncoderPool, type WasmCodec, type WasmModule } from './encoder-pool.js';
import { LIBDEFLATE_WASM_BASE64 } from './libdeflate-wasm.js';
import { createZstdDecompress, zstdDecompressSync } from './zstd-decoder.js';
import { ZSTD_WASM_BASE64 } from './zstd-wasm.js';

/**
 * The layer encoders: how the action compresses an uncompressed layer tar. Each one is a wasm
 * build of a pinned C library (scripts/wasm/), run in fixed chunks on worker threads, so a layer
 * gets the same bytes on either engine, every OS and Node version, and any core count.
 */
export interface LayerEncoder {
  readonly name: CompressionAlgorithm;
  readonly level: number;
  /** The OCI layer media type it writes. */
  readonly mediaType: string;
  /**
   * The value of LAYER_COMPRESSION_ANNOTATION on every layer it writes: the library, its version,
   * the level and the chunking. Equal values and equal diff_ids mean equal bytes (layer-reuse.ts).
   */
  readonly settings: string;
  /** The uncompressed tar, compressed. */
  encode(data: Uint8Array): Promise<Buffer>;
}

/** What is fixed per algorithm (the level is the encoder's). */
export interface LayerCodec {
  readonly name: CompressionAlgorithm;
  readonly mediaType: string;
  /** The levels accepted (config/build.ts's COMPRESSION_LEVELS). */
  readonly levels: { readonly min: number; readonly max: number };
  settings(level: number): string;
  /** The compiled wasm module the workers run. */
  readonly wasm: WasmCodec;
}

export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';

type WasmCompile = { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } };
function compileOnce(base64: string): () => Promise<WasmModule> {
  let compiled: Promise<WasmModule> | undefined;
  return () => (compiled ??= (globalThis as unknown as WasmCompile).WebAssembly.compile(Buffer.from(base64, 'base64')));
}

const levels = (name: CompressionAlgorithm) => ({ min: COMPRESSION_LEVELS[name][0], max: COMPRESSION_LEVELS[name][1] });

export const LAYER_CODECS: Readonly<Record<CompressionAlgorithm, LayerCodec>> = {
  /** libdeflate 1.14 (src/image/libdeflate-wasm.ts). The settings string is what images have carried since the start: it must not change. */
  gzip: {
    name: 'gzip',
    mediaType: OCI_LAYER_GZIP,
    levels: levels('gzip'),
    settings: (level) => `libdeflate-1.14 gzip level ${level}, ${CHUNK_BYTES}-byte members`,
    wasm: { codec: 'gzip', module: compileOnce(LIBDEFLATE_WASM_BASE64) },
  },
  /** zstd 1.5.4 (src/image/zstd-wasm.ts), single-threaded, each frame with its content size and checksum. */
  zstd: {
    name: 'zstd',
    mediaType: OCI_LAYER_ZSTD,
    levels: levels('zstd'),
    settings: (level) => `zstd-1.5.4 level ${level}, ${CHUNK_BYTES}-byte frames`,
    wasm: { codec: 'zstd', module: compileOnce(ZSTD_WASM_BASE64) },
  },
};

/** The annotation value of the encoder `compression` picks (layer reuse compares it). */
export function encoderSettings(compression: Compression): string {
  return LAYER_CODECS[compression.algorithm].settings(compression.level);
}

/** The encoder for `compression`, running on `pool`'s threads (shared by every layer and codec). */
export function createLayerEncoder(compression: Compression, pool: EncoderPool): LayerEncoder {
  const codec = LAYER_CODECS[compression.algorithm];
  const { level } = compression;
  if (!Number.isInteger(level) || level < codec.levels.min || level > codec.levels.max) {
    throw new RangeError(`${codec.name} level ${level} is not a whole number from ${codec.levels.min} to ${codec.levels.max}`);
  }
  return {
    name: codec.name,
    level,
    mediaType: codec.mediaType,
    settings: codec.settings(level),
    encode: (data) => pool.encode(codec.wasm, level, data),
  };
}

/** `data` compressed as `compression` on up to `threads` worker threads (the bytes do not depend on it). */
export async function encodeLayer(compression: Compression, data: Uint8Array, threads?: number): Promise<Buffer> {
  const pool = new EncoderPool(threads);
  try {
    return await createLayerEncoder(compression, pool).encode(data);
  } finally {
    await pool.close();
  }
}

/** A decompressing stream for a layer compressed with `algorithm` (ours or anyone's). */
export function createLayerDecoder(algorithm: CompressionAlgorithm): Transform {
  return algorithm === 'gzip' ? zlib.createGunzip() : createZstdDecompress();
}

/** A layer blob compressed with `algorithm`, decompressed at once. */
export function decodeLayerSync(algorithm: CompressionAlgorithm, blob: Uint8Array): Buffer {
  return algorithm === 'gzip' ? zlib.gunzipSync(blob) : zstdDecompressSync(blob);
}
