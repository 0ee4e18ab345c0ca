import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { chunkRanges, gzip, GZIP_CHUNK_BYTES, GzipPool } from '../../src/image/gzip.js';

/** Bytes that compress like a binary: runs of repeated words with pseudo-random noise between. */
function sample(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  const words = ['runtime.', 'github.com/', 'func', '\u0000\u0000\u0000\u0000', 'type.', 'main.'].map((w) => Buffer.from(w));
  for (let i = 0; i < size; ) {
    x = (x * 1103515245 + 12345) >>> 0;
    if (x % 3 === 0) i += words[x % words.length]!.copy(out, i);
    else out[i++] = x >>> 24;
  }
  return out;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const multiChunk = sample(2 * GZIP_CHUNK_BYTES + 12345);
const pool = new GzipPool(2);
afterAll(() => pool.close());

describe('chunkRanges', () => {
  it.each([
    [0, 4, [[0, 0]]],
    [1, 4, [[0, 1]]],
    [4, 4, [[0, 4]]],
    [9, 4, [[0, 4], [4, 8], [8, 9]]],
  ])('cuts %d bytes into chunks of %d', (size, chunk, ranges) => {
    expect(chunkRanges(size, chunk)).toEqual(ranges);
  });
});

describe('gzip', () => {
  it.each([0, 1, 6, 9, 10, 12])('round-trips at level %d', async (level) => {
    const data = sample(300_000, level + 7);
    expect(gunzipSync(await pool.gzip(data, level)).equals(data)).toBe(true);
  });

  it('writes one gzip member per chunk, each the gzip of that chunk alone', async () => {
    const whole = await pool.gzip(multiChunk, 1);
    const members = await Promise.all(chunkRanges(multiChunk.length).map(([start, end]) => pool.gzip(multiChunk.subarray(start, end), 1)));
    expect(members).toHaveLength(3);
    expect(whole.equals(Buffer.concat(members))).toBe(true);
    expect(gunzipSync(whole).equals(multiChunk)).toBe(true);
  });

  it('gives the same bytes on 1 and 2 threads, and run after run', async () => {
    const one = await gzip(multiChunk, 6, 1);
    const two = await gzip(multiChunk, 6, 2);
    expect(sha256(two)).toBe(sha256(one));
    expect(sha256(await pool.gzip(multiChunk, 6))).toBe(sha256(one));
  });

  it('gives pinned bytes: a change of encoder or chunking changes every image digest', async () => {
    // Update only on purpose (a new libdeflate build or chunk size), never to make a test pass.
    expect(sha256(await pool.gzip(sample(100_000), 10))).toBe('4913e15144eb82fbae3eb249b1cb1f38c847c1553a501164152eb02766bb9771');
  });

  it('compresses an empty input to one empty gzip member', async () => {
    const gz = await pool.gzip(new Uint8Array(0), 10);
    expect(gz.subarray(0, 3)).toEqual(Buffer.from([0x1f, 0x8b, 8]));
    expect(gunzipSync(gz)).toHaveLength(0);
  });

  it('writes no name and no time, so equal layers get equal bytes', async () => {
    const gz = await pool.gzip(sample(1000), 10);
    expect(gz[3]).toBe(0); // FLG: no name, comment or extra field
    expect(gz.readUInt32LE(4)).toBe(0); // MTIME
  });

  it.each([-1, 13, 1.5, Number.NaN])('rejects level %p, naming the accepted range', async (level) => {
    await expect(pool.gzip(sample(10), level)).rejects.toThrow(`gzip level ${level} is not a whole number from 0 to 12`);
  });

  it('rejects a pool of no threads', () => {
    expect(() => new GzipPool(0)).toThrow('gzip threads 0 is not a whole number of at least 1');
  });

  it('is read by GNU gzip as one stream', async () => {
    const gz = await pool.gzip(multiChunk, 1);
    execFileSync('gzip', ['-t'], { input: gz });
    expect(execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 1 << 25 }).equals(multiChunk)).toBe(true);
  });
});
