/**
 * The source of an encoder worker thread, as a string for `new Worker(source, { eval: true })`:
 * the action ships as one bundled file, so a worker cannot be a separate script beside it.
 *
 * Each message { id, codec, module, level, data } compresses `data` into one complete gzip member
 * or zstd frame with the codec's wasm module (compiled once by the main thread, instantiated here
 * on first use) and is answered with { id, out }, or { id, error }. Buffers in each module's
 * memory are kept and only grown.
 */
export const ENCODER_WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const CODECS = {
  gzip: { library: 'libdeflate', bound: (w, level, n) => w.gsi_gzip_bound(level, n), compress: (w, ...args) => w.gsi_gzip(...args) },
  zstd: { library: 'zstd', bound: (w, level, n) => w.gsi_zstd_bound(n), compress: (w, ...args) => w.gsi_zstd(...args) },
};
const instances = new Map();
function instance(codec, module) {
  let found = instances.get(codec);
  if (!found) {
    found = { wasm: new WebAssembly.Instance(module, {}).exports, input: { ptr: 0, size: 0 }, output: { ptr: 0, size: 0 } };
    instances.set(codec, found);
  }
  return found;
}
function reserve(wasm, buffer, size, library) {
  if (size <= buffer.size) return buffer;
  wasm.gsi_free(buffer.ptr);
  const ptr = wasm.gsi_malloc(size) >>> 0;
  if (ptr === 0) throw new Error(library + ' ran out of memory reserving ' + size + ' bytes');
  return { ptr, size };
}
parentPort.on('message', ({ id, codec, module, level, data }) => {
  try {
    const spec = CODECS[codec];
    const it = instance(codec, module);
    const wasm = it.wasm;
    const bound = spec.bound(wasm, level, data.length) >>> 0;
    if (bound === 0) throw new Error(spec.library + ' could not set up compression level ' + level);
    it.input = reserve(wasm, it.input, Math.max(data.length, 1), spec.library);
    it.output = reserve(wasm, it.output, bound, spec.library);
    new Uint8Array(wasm.memory.buffer, it.input.ptr, data.length).set(data);
    const size = spec.compress(wasm, level, it.input.ptr, data.length, it.output.ptr, it.output.size) >>> 0;
    if (size === 0) throw new Error(spec.library + ' could not compress ' + data.length + ' bytes at level ' + level);
    const out = new Uint8Array(wasm.memory.buffer, it.output.ptr, size).slice();
    parentPort.postMessage({ id, out }, [out.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;
