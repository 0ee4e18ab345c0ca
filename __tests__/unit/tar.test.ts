import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { layerCompression } from '../../src/image/oci-layout.js';
import { TarError, TarLister } from '../../src/image/tar.js';

/** A real tar from GNU tar, in the given format, of a few files including a 150-character path. */
function realTar(format: 'gnu' | 'pax' | 'ustar' | 'v7'): { tar: Buffer; long: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gsi-tar-'));
  const long = format === 'v7' ? 'short/enough' : `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(28)}`;
  mkdirSync(path.join(dir, 'root', path.dirname(long)), { recursive: true });
  writeFileSync(path.join(dir, 'root', long), Buffer.alloc(1000, 1));
  writeFileSync(path.join(dir, 'root', 'app'), Buffer.alloc(70_000, 2), { mode: 0o755 });
  writeFileSync(path.join(dir, 'root', 'empty'), '');
  execFileSync('ln', ['-s', 'app', path.join(dir, 'root', 'link')]);
  execFileSync('tar', [`--format=${format}`, '--sort=name', '-cf', path.join(dir, 'x.tar'), '-C', path.join(dir, 'root'), '.']);
  const tar = execFileSync('cat', [path.join(dir, 'x.tar')], { maxBuffer: 1 << 24 });
  rmSync(dir, { recursive: true, force: true });
  return { tar, long };
}

function list(tar: Buffer, chunkSizes: number[] = [tar.length], keep?: (name: string) => boolean): TarLister {
  const lister = new TarLister(keep);
  let offset = 0;
  for (let i = 0; offset < tar.length; i++) {
    const size = Math.max(1, chunkSizes[i % chunkSizes.length]!);
    lister.write(tar.subarray(offset, offset + size));
    offset += size;
  }
  lister.end();
  return lister;
}

describe('streaming tar listing', () => {
  it.each(['gnu', 'pax', 'ustar', 'v7'] as const)('lists a %s tar with sizes, types, modes and long names', (format) => {
    const { tar, long } = realTar(format);
    const lister = list(tar);
    expect(lister.bytes).toBe(tar.length);
    const files = lister.entries.filter((e) => e.type !== 'dir').sort((a, b) => a.name.localeCompare(b.name));
    expect(files).toEqual(
      [
        { name: 'app', size: 70_000, type: 'file', mode: 0o755 },
        { name: 'empty', size: 0, type: 'file', mode: 0o644 },
        { name: long, size: 1000, type: 'file', mode: 0o644 },
        { name: 'link', size: 0, type: 'symlink', mode: 0o777 },
      ].sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  it('gives the same listing however the stream is cut into chunks (property)', () => {
    const { tar } = realTar('pax');
    const whole = list(tar).entries;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        expect(list(tar, sizes).entries).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });

  it.each(['gnu', 'pax', 'ustar'] as const)('keeps the contents of the files asked for from a %s tar, in any chunking, and lists the rest the same', (format) => {
    const { tar, long } = realTar(format);
    const keep = (name: string) => name === 'app' || name === long || name === 'empty' || name === 'link';
    for (const sizes of [[tar.length], [1], [511, 513, 7000]]) {
      const lister = list(tar, sizes, keep);
      expect([...lister.files.keys()].sort()).toEqual(['app', 'empty', long].sort());
      expect(lister.files.get('app')).toEqual(Buffer.alloc(70_000, 2));
      expect(lister.files.get(long)).toEqual(Buffer.alloc(1000, 1));
      expect(lister.files.get('empty')).toEqual(Buffer.alloc(0));
      expect(lister.entries).toEqual(list(tar).entries);
    }
  });

  it('rejects a truncated stream and bytes that are not tar', () => {
    const { tar } = realTar('gnu');
    expect(() => list(tar.subarray(0, 1500))).toThrow(TarError);
    expect(() => list(Buffer.alloc(1024, 0x41))).toThrow(/not a tar stream/);
  });

  it.each([
    ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
    ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'gzip'],
    ['application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'gzip'],
    ['application/vnd.oci.image.layer.v1.tar+zstd', 'zstd'],
    ['application/vnd.oci.image.layer.v1.tar', 'none'],
    ['application/vnd.in-toto+json', undefined],
  ])('%s is %s', (mediaType, compression) => {
    expect(layerCompression(mediaType)).toBe(compression);
  });
});
