import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { readImageFile } from '../../src/image/layout-file.js';
import type { OciImage } from '../../src/image/oci-layout.js';

let dir: string;
let image: OciImage;

async function blob(data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  await fs.writeFile(path.join(dir, 'blobs', 'sha256', digest.slice(7)), data);
  return { digest, size: data.length };
}

/** A real tar (GNU tar) of the given files. */
async function tar(files: Record<string, string>): Promise<Buffer> {
  const root = await fs.mkdtemp(path.join(dir, 'root-'));
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.join(root, path.dirname(name)), { recursive: true });
    await fs.writeFile(path.join(root, name), text);
  }
  return execFileSync('tar', ['--format=pax', '-cf', '-', '-C', root, '.']);
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-layout-'));
  await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const manifest = async (layers: { mediaType: string; data: Buffer }[]) => {
    const descriptors = await Promise.all(layers.map(async (l) => ({ mediaType: l.mediaType, ...(await blob(l.data)) })));
    const config = await blob(Buffer.from('{}'));
    return blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: descriptors })));
  };
  const tarType = 'application/vnd.oci.image.layer.v1.tar';
  const amd64 = await manifest([
    { mediaType: tarType, data: await tar({ 'etc/passwd': 'root', 'usr/local/bin/app': 'old amd64' }) },
    { mediaType: tarType, data: await tar({ 'usr/local/bin/app': 'amd64 binary' }) },
  ]);
  const arm = await manifest([{ mediaType: `${tarType}+gzip`, data: zlib.gzipSync(await tar({ 'usr/local/bin/app': 'arm v7 binary' })) }]);
  const zstd = await manifest([
    { mediaType: `${tarType}+zstd`, data: execFileSync('zstd', ['-c', '-q'], { input: await tar({ 'usr/local/bin/app': 's390x binary' }) }) },
    { mediaType: 'application/vnd.example.unknown', data: Buffer.from('not read') },
  ]);
  const index = await blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...arm, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...zstd, platform: { os: 'linux', architecture: 's390x' } },
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...amd64, platform: { os: 'unknown', architecture: 'unknown' } },
        ],
      }),
    ),
  );
  image = { dir, root: { mediaType: 'application/vnd.oci.image.index.v1+json', ...index } };
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a file of a platform image in a local OCI layout', () => {
  it('comes from the top layer that holds it', async () => {
    expect((await readImageFile(image, { os: 'linux', arch: 'amd64' }, '/usr/local/bin/app'))?.toString()).toBe('amd64 binary');
    expect((await readImageFile(image, { os: 'linux', arch: 'amd64' }, 'etc/passwd'))?.toString()).toBe('root');
  });

  it('is read from a gzip layer, and the platform variant counts', async () => {
    expect((await readImageFile(image, { os: 'linux', arch: 'arm', variant: 'v7' }, '/usr/local/bin/app'))?.toString()).toBe('arm v7 binary');
    expect(await readImageFile(image, { os: 'linux', arch: 'arm', variant: 'v6' }, '/usr/local/bin/app')).toBeUndefined();
  });

  it('is read from a zstd layer (one the zstd command wrote), passing over a layer of unknown type', async () => {
    expect((await readImageFile(image, { os: 'linux', arch: 's390x' }, '/usr/local/bin/app'))?.toString()).toBe('s390x binary');
  });

  it('is undefined when no readable layer holds it', async () => {
    expect(await readImageFile(image, { os: 'linux', arch: 'amd64' }, '/usr/local/bin/other')).toBeUndefined();
    expect(await readImageFile(image, { os: 'linux', arch: 's390x' }, '/usr/local/bin/other')).toBeUndefined();
  });
});
