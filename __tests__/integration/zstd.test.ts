import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_COMPRESSION_LEVEL } from '../../src/image/compression.js';
import { encoderSettings } from '../../src/image/encoder.js';
import { LAYER_COMPRESSION_ANNOTATION } from '../../src/image/layer-reuse.js';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { craneJson, helloWorkspace, imageFile, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/*
 * compression: zstd on both engines: the action compresses the layers itself (buildx exports them
 * uncompressed), so one commit gives one digest. crane (Go, klauspost/compress) and skopeo
 * (containers/image) read the image back, skopeo decompressing every layer.
 */

const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const ZSTD_LAYER = 'application/vnd.oci.image.layer.v1.tar+zstd';
const ELF_MACHINE: Record<string, number> = { 'linux/amd64': 62, 'linux/arm64': 183 };

interface Descriptor {
  mediaType: string;
  digest: string;
  annotations?: Record<string, string>;
}

describe('compression: zstd', () => {
  let s: Stack;
  let workspace: string;
  let goCaches: { GOCACHE: string; GOMODCACHE: string };

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
    const caches = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-zstd-go-'));
    goCaches = { GOCACHE: path.join(caches, 'build'), GOMODCACHE: path.join(caches, 'mod') };
  });

  const build = (engine: 'buildx' | 'direct', repository: string) =>
    runStep('main', {
      workspace,
      inputs: {
        image: repository,
        'working-directory': 'examples/hello',
        platforms: PLATFORMS.join(','),
        compression: 'zstd',
        cache: 'false',
        'cache-backend': 'none',
        tags: `${repository}:t`,
        engine,
        ...(engine === 'buildx' ? { builder: s.builder } : {}),
      },
      env: { ...s.env, ...goCaches },
    });

  function expectOk(run: ActionRun): void {
    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
  }

  const skopeo = (...args: string[]) => execFileSync('skopeo', args, { encoding: 'utf8', env: { ...process.env, ...s.env } });

  it('gives one digest on both engines, and crane and skopeo read every platform', async () => {
    const viaBuildx = await build('buildx', uniqueRepository(s, 'zstd-buildx'));
    expectOk(viaBuildx);
    const viaDirect = await build('direct', uniqueRepository(s, 'zstd-direct'));
    expectOk(viaDirect);
    expect(viaDirect.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(viaDirect.outputs.digest).toBe(viaBuildx.outputs.digest);
    // The size report decompressed the zstd layers (on any Node) and found the same sizes.
    expect(viaDirect.outputs.sizes).toBe(viaBuildx.outputs.sizes);

    const ref = viaDirect.outputs['image-ref']!;
    const settings = encoderSettings({ algorithm: 'zstd', level: DEFAULT_COMPRESSION_LEVEL.zstd });
    const index = craneJson<{ manifests: (Descriptor & { platform: { os: string; architecture: string } })[] }>(s, 'manifest', ref);
    expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(PLATFORMS);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-zstd-skopeo-'));
    for (const platform of PLATFORMS) {
      const arch = platform.split('/')[1]!;
      const manifest = craneJson<{ layers: Descriptor[] }>(s, 'manifest', '--platform', platform, ref);
      expect(manifest.layers.length).toBeGreaterThan(0);
      for (const layer of manifest.layers) {
        expect(layer.mediaType).toBe(ZSTD_LAYER);
        expect(layer.annotations?.[LAYER_COMPRESSION_ANNOTATION]).toBe(settings);
      }

      // crane export decompresses every layer (Go's zstd) and flattens them.
      const binary = imageFile(s, ref, 'usr/local/bin/hello', platform);
      expect(binary.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect(binary.readUInt16LE(18)).toBe(ELF_MACHINE[platform]);

      // skopeo reads the manifest and decompresses each layer into a dir: copy; the tars must be the config's diff_ids.
      // (skopeo 1.9.3, Debian bookworm's, has no LayersData with media types yet: the digests are compared.)
      const inspected = JSON.parse(skopeo('inspect', '--tls-verify=false', '--override-arch', arch, `docker://${ref}`)) as { Architecture: string; Layers: string[] };
      expect(inspected.Architecture).toBe(arch);
      expect(inspected.Layers).toEqual(manifest.layers.map((l) => l.digest));
      const out = path.join(dir, arch);
      skopeo('copy', '--quiet', '--src-tls-verify=false', '--override-arch', arch, '--dest-decompress', `docker://${ref}`, `dir:${out}`);
      const config = craneJson<{ rootfs: { diff_ids: string[] } }>(s, 'config', '--platform', platform, ref);
      const tars = await Promise.all(config.rootfs.diff_ids.map(async (diffId) => `sha256:${createHash('sha256').update(await fs.readFile(path.join(out, diffId.slice('sha256:'.length)))).digest('hex')}`));
      expect(tars).toEqual(config.rootfs.diff_ids);
    }
    await fs.rm(dir, { recursive: true, force: true });
  }, 900_000);
});
