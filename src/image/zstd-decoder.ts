import { Transform } from 'node:stream';
import { ZSTD_WASM_BASE64 } from './zstd-wasm.js';

/**
 * zstd decompression with the same wasm module that compresses (scripts/wasm/build-zstd.sh), on
 * the calling thread: Node's zlib has zstd only from 22.15 / 23.8, and the report must read zstd
 * layers (ours and a base image's) on any Node. Any zstd stream is read: one frame or several
 * concatenated, any window size up to zstd's default limit (128 MiB).
 */

interface ZstdExports {
  memory: { buffer: ArrayBuffer };
  gsi_malloc(size: number): number;
  gsi_free(ptr: number): void;
  gsi_unzstd_new(): number;
  gsi_unzstd(dctx: number, input: number, output: number): number;
  gsi_zstd_error(code: number): number;
}

type WasmApi = {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: WasmApi };

let compiled: object | undefined;
function zstdModule(): object {
  compiled ??= new wasm.Module(Buffer.from(ZSTD_WASM_BASE64, 'base64'));
  return compiled;
}

/** Output produced per call into the module; zstd's recommended size (ZSTD_DStreamOutSize) is 128 KiB. */
const OUT_BYTES = 128 * 1024;

/** One stream's decompression: write() returns what the input decoded to, end() checks the stream was whole. */
export class ZstdStreamDecoder {
  private readonly exports: ZstdExports;
  private readonly dctx: number;
  /** ZSTD_inBuffer and ZSTD_outBuffer: { ptr, size, pos } in three 32-bit words each. */
  private readonly buffers: number;
  private readonly out: number;
  private input = { ptr: 0, size: 0 };
  /** 0 once a frame has ended and no other has begun. */
  private pending = 0;
  private sawInput = false;

  constructor() {
    this.exports = new wasm.Instance(zstdModule(), {}).exports as ZstdExports;
    this.dctx = this.exports.gsi_unzstd_new() >>> 0;
    this.buffers = this.exports.gsi_malloc(24) >>> 0;
    this.out = this.exports.gsi_malloc(OUT_BYTES) >>> 0;
    if (this.dctx === 0 || this.buffers === 0 || this.out === 0) throw new Error('zstd ran out of memory setting up decompression');
  }

  write(chunk: Uint8Array): Buffer[] {
    if (chunk.length === 0) return [];
    this.sawInput = true;
    const x = this.exports;
    if (chunk.length > this.input.size) {
      x.gsi_free(this.input.ptr);
      const ptr = x.gsi_malloc(chunk.length) >>> 0;
      if (ptr === 0) throw new Error(`zstd ran out of memory reserving ${chunk.length} bytes`);
      this.input = { ptr, size: chunk.length };
    }
    new Uint8Array(x.memory.buffer, this.input.ptr, chunk.length).set(chunk);
    const words = () => new Uint32Array(x.memory.buffer, this.buffers, 6);
    words().set([this.input.ptr, chunk.length, 0, this.out, OUT_BYTES, 0]);
    const decoded: Buffer[] = [];
    for (;;) {
      const code = x.gsi_unzstd(this.dctx, this.buffers, this.buffers + 12) >>> 0;
      const error = x.gsi_zstd_error(code) >>> 0;
      if (error !== 0) throw new Error(`zstd: ${cString(x.memory.buffer, error)}`);
      this.pending = code;
      const [, , inPos, , , outPos] = words() as unknown as number[];
      if (outPos! > 0) decoded.push(Buffer.from(new Uint8Array(x.memory.buffer, this.out, outPos!)));
      if (inPos! >= chunk.length && outPos! < OUT_BYTES) return decoded;
      words()[5] = 0;
    }
  }

  /** Throws when the stream stopped inside a frame (or held nothing). */
  end(): void {
    if (!this.sawInput) throw new Error('zstd: the stream is empty');
    if (this.pending !== 0) throw new Error('zstd: the stream ends inside a frame (truncated)');
  }
}

function cString(memory: ArrayBuffer, ptr: number): string {
  const bytes = new Uint8Array(memory, ptr);
  return Buffer.from(bytes.subarray(0, bytes.indexOf(0))).toString('latin1');
}

/** A Transform that decompresses a zstd stream. */
export function createZstdDecompress(): Transform {
  let decoder: ZstdStreamDecoder | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        decoder ??= new ZstdStreamDecoder();
        for (const piece of decoder.write(chunk)) this.push(piece);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done) {
      try {
        (decoder ??= new ZstdStreamDecoder()).end();
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

/** `data` decompressed at once. */
export function zstdDecompressSync(data: Uint8Array): Buffer {
  const decoder = new ZstdStreamDecoder();
  const pieces = decoder.write(data);
  decoder.end();
  return Buffer.concat(pieces);
}
