import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import type { Compression } from '../../src/config.js';
import { createLayerDecoder, createLayerEncoder, decodeLayerSync, encodeLayer, encoderSettings, LAYER_CODECS } from '../../src/image/encoder.js';
import { CHUNK_BYTES, chunkRanges, EncoderPool } from '../../src/image/encoder-pool.js';

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
const multiChunk = sample(2 * CHUNK_BYTES + 12345);
const pool = new EncoderPool(2);
afterAll(() => pool.close());
const gzip = (level: number) => createLayerEncoder({ algorithm: 'gzip', level }, pool);
const zstd = (level: number) => createLayerEncoder({ algorithm: 'zstd', level }, pool);
/** Decodes through the streaming decoder, fed in small pieces. */
const stream = async (algorithm: Compression['algorithm'], data: Buffer) =>
  buffer(Readable.from((function* () { for (let i = 0; i < data.length; i += 7000) yield data.subarray(i, i + 7000); })()).pipe(createLayerDecoder(algorithm)));

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

describe('the encoders', () => {
  it('describe themselves: media type, settings (the reuse annotation), levels', () => {
    expect(gzip(10)).toMatchObject({ name: 'gzip', level: 10, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });
    // Images carry this value since the first release: changing it would stop all reuse.
    expect(gzip(10).settings).toBe('libdeflate-1.14 gzip level 10, 4194304-byte members');
    expect(zstd(19)).toMatchObject({ name: 'zstd', level: 19, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', settings: 'zstd-1.5.4 level 19, 4194304-byte frames' });
    expect(encoderSettings({ algorithm: 'zstd', level: 3 })).not.toBe(encoderSettings({ algorithm: 'zstd', level: 19 }));
    expect(LAYER_CODECS.gzip.levels).toEqual({ min: 0, max: 12 });
    expect(LAYER_CODECS.zstd.levels).toEqual({ min: 1, max: 22 });
  });

  it.each([
    ['gzip', -1, 'gzip level -1 is not a whole number from 0 to 12'],
    ['gzip', 13, 'gzip level 13 is not a whole number from 0 to 12'],
    ['gzip', 1.5, 'gzip level 1.5 is not a whole number from 0 to 12'],
    ['zstd', 0, 'zstd level 0 is not a whole number from 1 to 22'],
    ['zstd', 23, 'zstd level 23 is not a whole number from 1 to 22'],
  ] as const)('refuse %s level %p, naming the accepted range', (algorithm, level, message) => {
    expect(() => createLayerEncoder({ algorithm, level }, pool)).toThrow(message);
  });

  it('refuse a pool of no threads', () => {
    expect(() => new EncoderPool(0)).toThrow('encoder threads 0 is not a whole number of at least 1');
  });
});

describe('gzip (libdeflate)', () => {
  it.each([0, 1, 6, 9, 10, 12])('round-trips at level %d', async (level) => {
    const data = sample(300_000, level + 7);
    expect(gunzipSync(await gzip(level).encode(data)).equals(data)).toBe(true);
  });

  it('writes one gzip member per chunk, each the gzip of that chunk alone', async () => {
    const whole = await gzip(1).encode(multiChunk);
    const members = await Promise.all(chunkRanges(multiChunk.length).map(([start, end]) => gzip(1).encode(multiChunk.subarray(start, end))));
    expect(members).toHaveLength(3);
    expect(whole.equals(Buffer.concat(members))).toBe(true);
    expect(gunzipSync(whole).equals(multiChunk)).toBe(true);
  });

  it('gives the same bytes on 1 and 2 threads, and run after run', async () => {
    const one = await encodeLayer({ algorithm: 'gzip', level: 6 }, multiChunk, 1);
    const two = await encodeLayer({ algorithm: 'gzip', level: 6 }, multiChunk, 2);
    expect(sha256(two)).toBe(sha256(one));
    expect(sha256(await gzip(6).encode(multiChunk))).toBe(sha256(one));
  });

  it('gives pinned bytes: a change of encoder or chunking changes every image digest', async () => {
    // Update only on purpose (a new libdeflate build or chunk size), never to make a test pass.
    expect(sha256(await gzip(10).encode(sample(100_000)))).toBe('4913e15144eb82fbae3eb249b1cb1f38c847c1553a501164152eb02766bb9771');
  });

  it('compresses an empty input to one empty gzip member', async () => {
    const gz = await gzip(10).encode(new Uint8Array(0));
    expect(gz.subarray(0, 3)).toEqual(Buffer.from([0x1f, 0x8b, 8]));
    expect(gunzipSync(gz)).toHaveLength(0);
  });

  it('writes no name and no time, so equal layers get equal bytes', async () => {
    const gz = await gzip(10).encode(sample(1000));
    expect(gz[3]).toBe(0); // FLG: no name, comment or extra field
    expect(gz.readUInt32LE(4)).toBe(0); // MTIME
  });

  it('is read by GNU gzip as one stream, and by the layer decoders', async () => {
    const gz = await gzip(1).encode(multiChunk);
    execFileSync('gzip', ['-t'], { input: gz });
    expect(execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 1 << 25 }).equals(multiChunk)).toBe(true);
    expect(decodeLayerSync('gzip', gz).equals(multiChunk)).toBe(true);
    expect((await stream('gzip', gz)).equals(multiChunk)).toBe(true);
  });
});

describe('zstd', () => {
  it.each([1, 3, 9, 19, 22])('round-trips at level %d', async (level) => {
    const data = sample(300_000, level + 7);
    expect(decodeLayerSync('zstd', await zstd(level).encode(data)).equals(data)).toBe(true);
  });

  it('writes one frame per chunk, each the zstd of that chunk alone, read by the zstd command as one stream', async () => {
    const whole = await zstd(3).encode(multiChunk);
    const frames = await Promise.all(chunkRanges(multiChunk.length).map(([start, end]) => zstd(3).encode(multiChunk.subarray(start, end))));
    expect(frames).toHaveLength(3);
    expect(whole.equals(Buffer.concat(frames))).toBe(true);
    for (const frame of frames) expect(frame.readUInt32LE(0)).toBe(0xfd2fb528); // the frame magic number
    execFileSync('zstd', ['-t', '-q'], { input: whole });
    expect(execFileSync('zstd', ['-dc'], { input: whole, maxBuffer: 1 << 25 }).equals(multiChunk)).toBe(true);
    expect((await stream('zstd', whole)).equals(multiChunk)).toBe(true);
  });

  it('gives the same bytes on 1 and 2 threads, run after run, and interleaved with gzip on the same threads', async () => {
    const one = await encodeLayer({ algorithm: 'zstd', level: 9 }, multiChunk, 1);
    const two = await encodeLayer({ algorithm: 'zstd', level: 9 }, multiChunk, 2);
    expect(sha256(two)).toBe(sha256(one));
    const [again] = await Promise.all([zstd(9).encode(multiChunk), gzip(6).encode(multiChunk), zstd(1).encode(multiChunk)]);
    expect(sha256(again)).toBe(sha256(one));
  });

  it('gives pinned bytes: a change of encoder or chunking changes every image digest', async () => {
    // Update only on purpose (a new zstd build or chunk size), never to make a test pass.
    expect(sha256(await zstd(19).encode(sample(100_000)))).toBe('d2b287221b9bf6f3a059218ab96bd543b518346a77ea03d00cf3d321fc1a650d');
  });

  it('compresses an empty input to one frame that decodes to nothing', async () => {
    const frame = await zstd(19).encode(new Uint8Array(0));
    expect(frame.readUInt32LE(0)).toBe(0xfd2fb528);
    expect(decodeLayerSync('zstd', frame)).toHaveLength(0);
  });

  it('reads what the zstd command writes, and refuses a truncated or corrupt stream', async () => {
    const data = sample(200_000);
    const cli = execFileSync('zstd', ['-c', '-19', '--long=27'], { input: data });
    expect(decodeLayerSync('zstd', cli).equals(data)).toBe(true);
    expect(() => decodeLayerSync('zstd', cli.subarray(0, cli.length - 10))).toThrow(/truncated/);
    expect(() => decodeLayerSync('zstd', Buffer.from('not zstd at all'))).toThrow(/zstd: Unknown frame descriptor/);
    await expect(stream('zstd', cli.subarray(0, cli.length - 10))).rejects.toThrow(/truncated/);
  });
});
