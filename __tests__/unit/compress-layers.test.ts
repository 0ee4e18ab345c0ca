import { describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Descriptor } from '../../src/image/registry.js';
import type { Compression } from '../../src/config.js';
import { encoderSettings, LAYER_CODECS, OCI_LAYER_GZIP, type LayerEncoder } from '../../src/image/encoder.js';
import { compressLayers, describeCompressedLayer, OCI_LAYER_TAR, readOciImage, sha256, type CompressedLayer } from '../../src/image/oci-layout.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG = 'application/vnd.oci.image.config.v1+json';

/** An OCI layout like buildx's with uncompressed layers: two platforms sharing a rootfs layer, each with its own binary layer. */
async function layout(): Promise<{ dir: string; shared: Buffer; binaries: Buffer[] }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-compress-'));
  await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const write = async (data: Buffer, mediaType: string) => {
    const digest = sha256(data);
    await fs.writeFile(path.join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
    return { mediaType, digest, size: data.length };
  };
  const shared = Buffer.alloc(10_000, 'etc/passwd ');
  const binaries = [Buffer.alloc(50_000, 'amd64 code '), Buffer.alloc(50_000, 'arm64 code ')];
  const manifests = [];
  for (const [i, binary] of binaries.entries()) {
    const layers = [await write(shared, OCI_LAYER_TAR), await write(binary, OCI_LAYER_TAR)];
    const config = await write(Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) }, n: i })), CONFIG);
    manifests.push(await write(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config, layers })), MANIFEST));
  }
  const index = await write(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests })), INDEX);
  await fs.writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [index] }));
  return { dir, shared, binaries };
}

const readBlob = (dir: string, digest: string) => fs.readFile(path.join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)));

const GZIP_10: Compression = { algorithm: 'gzip', level: 10 };

describe('compressLayers', () => {
  it('gzips every layer once, keeps the configs, and gives the same digest twice', async () => {
    const { dir, shared, binaries } = await layout();
    const image = await compressLayers(await readOciImage(dir), GZIP_10);
    const index = JSON.parse((await readBlob(dir, image.root.digest)).toString()) as { manifests: { digest: string }[] };
    const manifests = await Promise.all(
      index.manifests.map(async (m) => JSON.parse((await readBlob(dir, m.digest)).toString()) as { config: { digest: string }; layers: { mediaType: string; digest: string; size: number }[] }),
    );
    expect(manifests.map((m) => m.layers.map((l) => l.mediaType))).toEqual([[OCI_LAYER_GZIP, OCI_LAYER_GZIP], [OCI_LAYER_GZIP, OCI_LAYER_GZIP]]);
    // The shared layer is one blob in both platforms.
    expect(manifests[0]!.layers[0]).toEqual(manifests[1]!.layers[0]);
    for (const [i, manifest] of manifests.entries()) {
      const [rootfs, binary] = await Promise.all(manifest.layers.map((l) => readBlob(dir, l.digest)));
      expect(gunzipSync(rootfs!).equals(shared)).toBe(true);
      expect(gunzipSync(binary!).equals(binaries[i]!)).toBe(true);
      expect(binary!.length).toBe(manifest.layers[1]!.size);
      const config = JSON.parse((await readBlob(dir, manifest.config.digest)).toString()) as { rootfs: { diff_ids: string[] } };
      expect(config.rootfs.diff_ids).toEqual([sha256(shared), sha256(binaries[i]!)]);
    }
    const again = await compressLayers(await readOciImage((await layout()).dir), GZIP_10);
    expect(again.root.digest).toBe(image.root.digest);
  });

  it('tells the log about each distinct layer once, with its sizes before and after', async () => {
    const { dir, shared, binaries } = await layout();
    const told: CompressedLayer[] = [];
    const image = await compressLayers(await readOciImage(dir), GZIP_10, { onLayer: (layer) => told.push(layer) });
    expect(told.map((l) => l.diffId).sort()).toEqual([sha256(shared), ...binaries.map((b) => sha256(b))].sort());
    for (const layer of told) {
      expect(layer.reused).toBe(false);
      expect(layer.compressed).toBeGreaterThan(0);
      expect(layer.seconds).toBeGreaterThanOrEqual(0);
    }
    expect(told.find((l) => l.diffId === sha256(shared))!.uncompressed).toBe(shared.length);
    expect(image.root.digest).toMatch(/^sha256:/);
  });
});

describe('describeCompressedLayer', () => {
  const diffId = `sha256:${'1a2b3c4d5e6f'.padEnd(64, '0')}`;
  it.each<[string, CompressedLayer, string]>([
    ['compressed', { diffId, uncompressed: 6_045_184, compressed: 2_422_278, seconds: 0.5234, reused: false }, 'sha256:1a2b3c4d5e6f 5.77 MiB -> 2.31 MiB (40.1%) in 0.52 s'],
    ['reused', { diffId, uncompressed: 227_328, compressed: 127_871, seconds: 0, reused: true }, 'sha256:1a2b3c4d5e6f 222.0 KiB -> 124.9 KiB (56.2%) reused, not compressed again'],
  ])('%s', (_name, layer, line) => {
    expect(describeCompressedLayer(layer)).toBe(line);
  });
});

describe('compressLayers with reusable layers', () => {
  it('reuses a stored descriptor of the same diff_id and compression without compressing, and compresses the rest', async () => {
    const first = await layout();
    const image = await compressLayers(await readOciImage(first.dir), GZIP_10);
    const index = JSON.parse((await readBlob(first.dir, image.root.digest)).toString()) as { manifests: { digest: string }[] };
    const manifest = JSON.parse((await readBlob(first.dir, index.manifests[0]!.digest)).toString()) as { layers: Descriptor[] };
    const from = { registry: '127.0.0.1:5000', repository: 'acme/hello', tag: 'main' };
    const calls: number[] = [];
    // An encoder that claims the real one's settings but only counts and uses zlib: reuse must not call it.
    const counting = (compression: Compression): LayerEncoder => ({
      name: compression.algorithm,
      level: compression.level,
      mediaType: LAYER_CODECS[compression.algorithm].mediaType,
      settings: encoderSettings(compression),
      encode: async (data) => (calls.push(data.length), Buffer.from(gzipSync(data))),
    });

    const reusable = new Map([[sha256(first.shared), { descriptor: manifest.layers[0]!, from }]]);
    const second = await compressLayers(await readOciImage((await layout()).dir), GZIP_10, { reusable, encoder: counting(GZIP_10) });
    // The shared rootfs layer is reused on both platforms; only the two binaries are compressed.
    expect(calls).toEqual([50_000, 50_000]);
    expect([...second.remoteBlobs!]).toEqual([[manifest.layers[0]!.digest, { from, diffId: sha256(first.shared) }]]);

    // Another level never reuses: the bytes would differ.
    calls.length = 0;
    const other = await compressLayers(await readOciImage((await layout()).dir), { algorithm: 'gzip', level: 9 }, { reusable, encoder: counting({ algorithm: 'gzip', level: 9 }) });
    expect(calls).toHaveLength(3);
    expect(other.remoteBlobs).toBeUndefined();

    // Nor another encoder: a gzip layer never stands in for a zstd one.
    calls.length = 0;
    const zstd = { algorithm: 'zstd', level: 19 } as const;
    const asZstd = await compressLayers(await readOciImage((await layout()).dir), zstd, { reusable, encoder: counting(zstd) });
    expect(calls).toHaveLength(3);
    expect(asZstd.remoteBlobs).toBeUndefined();
  });
});
