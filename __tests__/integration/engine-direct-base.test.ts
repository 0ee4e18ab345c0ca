import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { bareBin } from '../helpers/bare-bin.js';
import { craneJson, crane, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/*
 * The direct engine on a base image other than scratch, against buildx on the local BuildKit: the
 * same commit and inputs on the same base must give the same index digest. The base is made here
 * (no public registry is reachable), in the manner of scripts/bench/bases.mjs: two layers per
 * platform, a config with env, a working folder, a label, a port and a Cmd, for two platforms.
 */

const PLATFORMS = 'linux/amd64,linux/arm64';

/** A deterministic tar of a folder (root-owned, fixed times, sorted). */
function tarFolder(dir: string, file: string): void {
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', dir, '-cf', file, '.']);
}

/** Pushes a two-layer base for linux/amd64 and linux/arm64 and an index over them; returns its reference. */
async function pushBase(s: Stack): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-base-'));
  const ref = `${uniqueRepository(s, 'base')}:v1`;
  const certs = path.join(dir, 'certs');
  await fs.mkdir(path.join(certs, 'etc/ssl/certs'), { recursive: true });
  await fs.copyFile('/etc/ssl/certs/ca-certificates.crt', path.join(certs, 'etc/ssl/certs/ca-certificates.crt'));
  tarFolder(certs, path.join(dir, 'certs.tar'));
  const children: string[] = [];
  for (const arch of ['amd64', 'arm64']) {
    const etc = path.join(dir, `etc-${arch}`);
    await fs.mkdir(path.join(etc, 'etc'), { recursive: true });
    await fs.mkdir(path.join(etc, 'tmp'), { mode: 0o1777 });
    await fs.chmod(path.join(etc, 'tmp'), 0o1777);
    await fs.writeFile(path.join(etc, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n');
    await fs.writeFile(path.join(etc, 'etc/os-release'), `ID=test-base\nARCH=${arch}\n`);
    tarFolder(etc, path.join(dir, `etc-${arch}.tar`));
    const child = `${ref}-${arch}`;
    crane(s, 'append', '--oci-empty-base', '-f', path.join(dir, 'certs.tar'), '-f', path.join(dir, `etc-${arch}.tar`), '-t', child);
    crane(s, 'mutate', child, '--set-platform', `linux/${arch}`, '-e', 'PATH=/usr/bin:/bin', '-e', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt', '-w', '/home/nonroot', '-l', 'com.example.base=yes', '--exposed-ports', '9090', '--cmd', '/bin/true', '-t', child);
    children.push(child);
  }
  crane(s, 'index', 'append', ...children.flatMap((child) => ['-m', child]), '-t', ref);
  await fs.rm(dir, { recursive: true, force: true });
  return ref;
}

interface SizesEntry {
  platform: string;
  layers: { digest: string; compressed: number; uncompressed: number | null; holds: string[] }[];
}

describe('engine direct on a base image gives the digest engine buildx gives', () => {
  let s: Stack;
  let workspace: string;
  let bin: string;
  let baseRef: string;
  let goCaches: { GOCACHE: string; GOMODCACHE: string };

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
    bin = await bareBin();
    baseRef = await pushBase(s);
    const caches = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-direct-base-go-'));
    goCaches = { GOCACHE: path.join(caches, 'build'), GOMODCACHE: path.join(caches, 'mod') };
  }, 120_000);

  const inputs = (repository: string, extra: Record<string, string> = {}): Record<string, string> => ({
    image: repository,
    'working-directory': 'examples/hello',
    platforms: PLATFORMS,
    'base-image': baseRef,
    cache: 'false',
    'cache-backend': 'none',
    tags: `${repository}:t`,
    'timezone-data': 'true',
    expose: '8080',
    ...extra,
  });
  const buildx = (values: Record<string, string>) => runStep('main', { workspace, inputs: { ...values, builder: s.builder, engine: 'buildx' }, env: { ...s.env, ...goCaches } });
  const direct = (values: Record<string, string>) => runStep('main', { workspace, inputs: { ...values, engine: 'direct' }, env: { PATH: bin, BUILDKIT_HOST: undefined, DOCKER_HOST: undefined, ...goCaches } });

  function expectOk(run: ActionRun): void {
    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
  }

  const baseLayerDigests = (arch: string) => craneJson<{ layers: { digest: string }[] }>(s, 'manifest', `${baseRef}-${arch}`).layers.map((l) => l.digest);

  it('same index digest; the base layers mounted, listed first, and reported as base', async () => {
    const viaBuildx = await buildx(inputs(uniqueRepository(s, 'base-buildx')));
    expectOk(viaBuildx);
    const viaDirect = await direct(inputs(uniqueRepository(s, 'base-direct')));
    expectOk(viaDirect);
    expect(viaDirect.stdout).toContain('Engine: direct (engine: direct)');
    expect(viaDirect.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    // Field by field first, so a difference shows where it is.
    for (const arch of ['amd64', 'arm64']) {
      const platformOf = (run: ActionRun) => ['--platform', `linux/${arch}`, run.outputs['image-ref']!];
      expect(crane(s, 'config', ...platformOf(viaDirect))).toBe(crane(s, 'config', ...platformOf(viaBuildx)));
      expect(craneJson(s, 'manifest', ...platformOf(viaDirect))).toEqual(craneJson(s, 'manifest', ...platformOf(viaBuildx)));
    }
    expect(crane(s, 'manifest', viaDirect.outputs['image-ref']!)).toBe(crane(s, 'manifest', viaBuildx.outputs['image-ref']!));
    expect(viaDirect.outputs.digest).toBe(viaBuildx.outputs.digest);
    // The base's blobs never went through the runner: mounted from the base's repository.
    expect(viaDirect.stdout).toMatch(/blobs mounted from another repository/);

    const ref = viaDirect.outputs['image-ref']!;
    const index = craneJson<{ manifests: { digest: string; platform: { architecture: string } }[] }>(s, 'manifest', ref);
    expect(index.manifests.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    for (const arch of ['amd64', 'arm64']) {
      const platformRef = `${ref.split('@')[0]}@${index.manifests.find((m) => m.platform.architecture === arch)!.digest}`;
      const manifest = craneJson<{ layers: { digest: string; mediaType: string }[] }>(s, 'manifest', platformRef);
      expect(manifest.layers).toHaveLength(4);
      expect(manifest.layers.slice(0, 2).map((l) => l.digest)).toEqual(baseLayerDigests(arch));
      const config = craneJson<{ config: Record<string, unknown>; history: unknown[]; rootfs: { diff_ids: string[] } }>(s, 'config', platformRef);
      expect(config.config).toMatchObject({
        User: '65532:65532',
        Env: ['PATH=/usr/bin:/bin', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt', 'ZONEINFO=/usr/local/share/zoneinfo.zip'],
        Entrypoint: ['/usr/local/bin/hello'],
        WorkingDir: '/home/nonroot',
        ExposedPorts: { '8080/tcp': {}, '9090': {} },
      });
      expect(config.config.Cmd).toBeUndefined();
      expect((config.config.Labels as Record<string, string>)['com.example.base']).toBe('yes');
      expect(config.rootfs.diff_ids).toHaveLength(4);
      // crane reads every blob of the image from our repository: the mounts really happened.
      expect(crane(s, 'export', '--platform', `linux/${arch}`, platformRef, '-').length).toBeGreaterThan(0);
    }

    // The size report: the same bytes for both engines; the direct engine knows which layers are the base's.
    const sizesDirect = JSON.parse(viaDirect.outputs.sizes!) as SizesEntry[];
    const sizesBuildx = JSON.parse(viaBuildx.outputs.sizes!) as SizesEntry[];
    const withoutHolds = (sizes: SizesEntry[]) => sizes.map((size) => ({ ...size, layers: size.layers.map((layer) => ({ ...layer, holds: [] })) }));
    expect(withoutHolds(sizesDirect)).toEqual(withoutHolds(sizesBuildx));
    for (const size of sizesDirect) {
      expect(size.layers.slice(0, 2).map((l) => l.holds)).toEqual([['base'], ['base']]);
      expect(size.layers.every((l) => l.uncompressed !== null)).toBe(true);
    }
  }, 900_000);

  it('without a push the size report reads the base layers from the base repository', async () => {
    const run = await direct(inputs(uniqueRepository(s, 'base-direct-nopush'), { push: 'false', platforms: 'linux/arm64' }));
    expectOk(run);
    const sizes = JSON.parse(run.outputs.sizes!) as SizesEntry[];
    expect(sizes).toHaveLength(1);
    expect(sizes[0]!.layers.map((l) => l.digest).slice(0, 2)).toEqual(baseLayerDigests('arm64'));
    expect(sizes[0]!.layers.every((l) => l.uncompressed !== null)).toBe(true);
  }, 600_000);

  it('a base without the platform fails naming the base and the platforms it has', async () => {
    const run = await direct(inputs(uniqueRepository(s, 'base-direct-noplatform'), { platforms: 'linux/arm/v7' }));
    expect(run.exitCode).not.toBe(0);
    expect(errorAnnotations(run).join('\n')).toMatch(/base-image .*base:v1 has no linux\/arm\/v7 image \(it has linux\/amd64, linux\/arm64\)/);
  }, 600_000);
});
