/**
 * The source of a gzip worker thread, as a string for `new Worker(source, { eval: true })`: the
 * action ships as one bundled file, so a worker cannot be a separate script beside it.
 *
 * It instantiates the libdeflate module it gets in workerData (compiled once, by the main
 * thread), then answers each { id, level, data } with { id, gz }: one complete gzip member, or
 * { id, error }. Buffers in the module's memory are kept and only grown.
 */
export const GZIP_WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const wasm = new WebAssembly.Instance(workerData.module, {}).exports;
let input = { ptr: 0, size: 0 };
let output = { ptr: 0, size: 0 };
function reserve(buffer, size) {
  if (size <= buffer.size) return buffer;
  wasm.gsi_free(buffer.ptr);
  const ptr = wasm.gsi_malloc(size) >>> 0;
  if (ptr === 0) throw new Error('libdeflate ran out of memory reserving ' + size + ' bytes');
  return { ptr, size };
}
parentPort.on('message', ({ id, level, data }) => {
  try {
    const bound = wasm.gsi_gzip_bound(level, data.length) >>> 0;
    if (bound === 0) throw new Error('libdeflate could not set up compression level ' + level);
    input = reserve(input, data.length);
    output = reserve(output, bound);
    new Uint8Array(wasm.memory.buffer, input.ptr, data.length).set(data);
    const size = wasm.gsi_gzip(level, input.ptr, data.length, output.ptr, output.size) >>> 0;
    if (size === 0) throw new Error('libdeflate could not compress ' + data.length + ' bytes');
    const gz = new Uint8Array(wasm.memory.buffer, output.ptr, size).slice();
    parentPort.postMessage({ id, gz }, [gz.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;
