import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBaseline } from '../../src/report/baseline.js';
import { readImageSizes } from '../../src/report/inspect.js';
import { addLayerDetails, LayerReader, readLayer } from '../../src/report/layers.js';
import { RegistryClient } from '../../src/image/registry.js';
import { parseImageName } from '../../src/reference.js';
import { compareWithBaseline } from '../../src/report/size.js';
import { crane, craneJson, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

let s: Stack;
let work: string;
const client = new RegistryClient({ credentials: async () => undefined, retryDelayMs: 10 });

/** Writes files under `root` and tars them with GNU tar in the given format (sorted, fixed mtime). */
async function makeTar(name: string, files: Record<string, { size: number; mode: number }>, format: 'gnu' | 'pax'): Promise<string> {
  const root = path.join(work, `${name}-root`);
  for (const [file, { size, mode }] of Object.entries(files)) {
    await fs.mkdir(path.join(root, path.dirname(file)), { recursive: true });
    const content = Buffer.alloc(size);
    for (let i = 0; i < size; i++) content[i] = (i * 7919 + file.length) % 251; // compressible, not trivial
    await fs.writeFile(path.join(root, file), content, { mode });
  }
  const tarFile = path.join(work, `${name}.tar`);
  execFileSync('tar', ['--sort=name', '--mtime=2026-01-01', '--owner=0', '--group=0', '--numeric-owner', `--format=${format}`, '-cf', tarFile, '-C', root, '.']);
  return tarFile;
}

const size = async (file: string) => (await fs.stat(file)).size;

interface CraneConfig {
  rootfs: { diff_ids: string[] };
}
interface CraneManifest {
  layers: { digest: string; size: number; mediaType: string }[];
}

beforeAll(async () => {
  s = stack();
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-layers-'));
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('layer streaming against the local registry', () => {
  it('counts uncompressed bytes, lists files and classifies layers, each layer read once', async () => {
    const rootfs = await makeTar(
      'rootfs',
      {
        'etc/passwd': { size: 120, mode: 0o644 },
        'etc/group': { size: 60, mode: 0o644 },
        'etc/ssl/certs/ca-certificates.crt': { size: 210_000, mode: 0o644 },
        'usr/share/zoneinfo/Europe/Berlin': { size: 2_300, mode: 0o644 },
      },
      'pax',
    );
    const longName = `opt/${'deeply-nested-folder/'.repeat(6)}hello-binary-with-a-long-name`;
    const app = await makeTar('app', { [longName]: { size: 700_000, mode: 0o755 } }, 'gnu');
    const repo = uniqueRepository(s, 'layers');
    crane(s, 'append', '-f', rootfs, '-f', app, '-t', `${repo}:v1`, '--oci-empty-base');

    const name = parseImageName(`${repo}:v1`);
    const digest = crane(s, 'digest', `${repo}:v1`).trim();
    const sizes = await readImageSizes(name, digest, client);
    const reader = new LayerReader(client);
    const [detailed] = await addLayerDetails(reader, name, sizes);

    // Independent readers: crane's config diff_ids and manifest, and the tar files themselves.
    const config = craneJson<CraneConfig>(s, 'config', `${repo}:v1`);
    const manifest = craneJson<CraneManifest>(s, 'manifest', `${repo}:v1`);
    const tarSizes = [await size(rootfs), await size(app)];
    expect(detailed!.layers.map((l) => l.uncompressed)).toEqual(tarSizes);
    expect(detailed!.uncompressed).toBe(tarSizes[0]! + tarSizes[1]!);
    expect(detailed!.layers.map((l) => l.compressed)).toEqual(manifest.layers.map((l) => l.size));
    expect(detailed!.layers.map((l) => l.holds)).toEqual([['certificates', 'zoneinfo', 'passwd'], ['binary']]);
    for (const [i, layer] of manifest.layers.entries()) {
      const contents = await reader.layer(name, layer);
      expect(contents.diffId).toBe(config.rootfs.diff_ids[i]);
    }
    const appLayer = await reader.layer(name, manifest.layers[1]!);
    expect(appLayer.entries.filter((e) => e.type === 'file')).toEqual([{ name: longName, size: 700_000, type: 'file', mode: 0o755 }]);
    const listed = execFileSync('tar', ['-tvf', rootfs], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('-')).length;
    expect((await reader.layer(name, manifest.layers[0]!)).entries.filter((e) => e.type === 'file')).toHaveLength(listed);
    expect(reader.cached).toEqual(manifest.layers.map((l) => l.digest));
  });

  it('reads a baseline, and says when it does not exist yet', async () => {
    const tar = await makeTar('small', { app: { size: 50_000, mode: 0o755 } }, 'gnu');
    const repo = uniqueRepository(s, 'baseline');
    crane(s, 'append', '-f', tar, '-t', `${repo}:main`, '--oci-empty-base');
    const reader = new LayerReader(client);
    const found = await readBaseline(parseImageName(`${repo}:main`), client, reader);
    expect(found.state).toBe('found');
    if (found.state !== 'found') throw new Error('unreachable');
    expect(found.digest).toBe(crane(s, 'digest', `${repo}:main`).trim());
    expect(found.sizes[0]!.uncompressed).toBe(await size(tar));
    expect(await readBaseline(parseImageName(`${repo}:not-pushed-yet`), client)).toEqual({ state: 'missing', ref: `${repo}:not-pushed-yet` });
    expect(compareWithBaseline(found.sizes, { state: 'missing', ref: repo })).toEqual([{ platform: found.sizes[0]!.platform, state: 'no-baseline' }]);
  });

  it('reads a zstd layer the zstd command wrote, on any Node', async () => {
    const tar = await makeTar('zstd', { app: { size: 80_000, mode: 0o755 } }, 'gnu');
    execFileSync('zstd', ['-q', '-f', tar, '-o', `${tar}.zst`]);
    const repo = uniqueRepository(s, 'zstd');
    crane(s, 'append', '-f', `${tar}.zst`, '-t', `${repo}:v1`, '--oci-empty-base');
    const manifest = craneJson<CraneManifest>(s, 'manifest', `${repo}:v1`);
    const layer = manifest.layers[0]!;
    expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+zstd');
    const name = parseImageName(`${repo}:v1`);
    const contents = await readLayer(client, name, layer);
    expect(contents.uncompressed).toBe(await size(tar));
    expect(contents.compression).toBe('zstd');
    expect(contents.diffId).toBe(`sha256:${createHash('sha256').update(await fs.readFile(tar)).digest('hex')}`);
  });
});
