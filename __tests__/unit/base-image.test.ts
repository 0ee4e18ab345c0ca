import { describe, expect, it } from '@jest/globals';
import { baseLayers, platformManifest, readBaseImage, type BaseConfig } from '../../src/image/base-image.js';
import { goJson, goTime, imageConfig, manifestLayers, SCRATCH_PATH_ENV } from '../../src/image/direct.js';
import type { FinalStageSpec } from '../../src/image/dockerfile.js';
import { sha256 } from '../../src/image/oci-layout.js';
import type { ImageIndex, ImageManifest } from '../../src/image/registry.js';
import { MemoryRegistry } from '../helpers/fake-tools.js';

const EPOCH = 1767323045;
const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const stage: FinalStageSpec = {
  binaryName: 'api',
  baseImage: 'registry.example/base:1',
  expose: ['8080'],
  labels: { 'org.opencontainers.image.title': 'api' },
  rootfs: { caCertificates: false, zoneinfo: true },
};

function configOn(base: BaseConfig, overrides: Partial<Parameters<typeof imageConfig>[0]> = {}) {
  return JSON.parse(imageConfig({ platform: { os: 'linux', arch: 'amd64' }, stage, labels: {}, epoch: EPOCH, diffIds: ['sha256:ours1', 'sha256:ours2'], base, ...overrides }).toString());
}

describe('imageConfig on a base image (the Dockerfile frontend on FROM <base>)', () => {
  const base: BaseConfig = {
    config: {
      User: '1000',
      Env: ['PATH=/usr/bin:/bin', 'ZONEINFO=/old.zip', 'LANG=C'],
      Cmd: ['/bin/sh'],
      WorkingDir: '/srv',
      Labels: { 'com.example.base': 'yes', 'org.opencontainers.image.title': 'base' },
      ExposedPorts: { '9090': {} },
      Volumes: { '/data': {} },
      StopSignal: 'SIGTERM',
    },
    rootfs: { type: 'layers', diff_ids: ['sha256:base1'] },
    history: [{ created: '2024-05-06T07:08:09.000000000Z', created_by: '/bin/sh -c #(nop) ADD file', comment: 'from the base' }],
  };

  it('keeps the base config and applies ours: env edited in place, labels and ports merged, Cmd dropped', () => {
    const config = configOn(base);
    expect(Object.keys(config.config)).toEqual(['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal']);
    expect(config.config).toEqual({
      User: '65532:65532',
      ExposedPorts: { '8080/tcp': {}, '9090': {} },
      Env: ['PATH=/usr/bin:/bin', 'ZONEINFO=/usr/local/share/zoneinfo.zip', 'LANG=C'],
      Entrypoint: ['/usr/local/bin/api'],
      Volumes: { '/data': {} },
      WorkingDir: '/srv',
      Labels: { 'com.example.base': 'yes', 'org.opencontainers.image.title': 'api' },
      StopSignal: 'SIGTERM',
    });
  });

  it('writes integer-like map keys in Go order, not JavaScript object order', () => {
    const text = imageConfig({ platform: { os: 'linux', arch: 'amd64' }, stage, labels: { '1': 'one' }, epoch: EPOCH, diffIds: [], base }).toString();
    expect(text).toContain('"ExposedPorts":{"8080/tcp":{},"9090":{}}');
    expect(text).toContain('"Labels":{"1":"one","com.example.base":"yes"');
  });

  it('puts the base history and diff_ids first, unchanged but for Go time text, and ours after at the epoch', () => {
    const config = configOn(base);
    expect(config.history[0]).toEqual({ created: '2024-05-06T07:08:09Z', created_by: '/bin/sh -c #(nop) ADD file', comment: 'from the base' });
    expect(config.history.slice(1).every((h: { created: string }) => h.created === '2026-01-02T03:04:05Z')).toBe(true);
    expect(config.history[1].created_by).toBe('ARG TARGETOS=linux');
    expect(config.rootfs.diff_ids).toEqual(['sha256:base1', 'sha256:ours1', 'sha256:ours2']);
    expect(config.created).toBe('2026-01-02T03:04:05Z');
  });

  it('adds the default PATH when the base has none, and no WorkingDir when the base has none', () => {
    const config = configOn({ config: { Env: ['FOO=bar'] }, rootfs: { diff_ids: [] }, history: [] }, { stage: { ...stage, rootfs: { caCertificates: false, zoneinfo: false } } });
    expect(config.config.Env).toEqual(['FOO=bar', SCRATCH_PATH_ENV]);
    expect(config.config.WorkingDir).toBeUndefined();
  });

  it('keeps the base author and os.version in sorted top-level order', () => {
    const config = configOn({ ...base, author: 'someone', 'os.version': '1.0' });
    expect(Object.keys(config)).toEqual(['architecture', 'author', 'config', 'created', 'history', 'os', 'os.version', 'rootfs']);
  });
});

describe('goJson and goTime', () => {
  it('writes what JSON.stringify writes for plain values, with and without indent', () => {
    const value = { a: [1, { b: 'c', u: undefined }], e: {}, f: [], g: null, '10': true };
    expect(goJson(value)).toBe(JSON.stringify(value));
    expect(goJson(value, '  ')).toBe(JSON.stringify(value, null, '  '));
  });

  it.each([
    ['2024-05-06T07:08:09Z', '2024-05-06T07:08:09Z'],
    ['2024-05-06T07:08:09.120000Z', '2024-05-06T07:08:09.12Z'],
    ['2024-05-06T07:08:09.000Z', '2024-05-06T07:08:09Z'],
    ['2024-05-06T07:08:09+00:00', '2024-05-06T07:08:09Z'],
    ['2024-05-06T07:08:09.5+02:00', '2024-05-06T07:08:09.5+02:00'],
  ])('goTime(%s) is %s', (text, expected) => {
    expect(goTime(text)).toBe(expected);
  });
});

describe('baseLayers and manifestLayers', () => {
  const manifest: ImageManifest = {
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: 'sha256:c', size: 1 },
    layers: [
      { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: 'sha256:l1', size: 10, annotations: { 'io.github.go-slim-image.layer.compression': 'x' } },
      { mediaType: GZIP, digest: 'sha256:l2', size: 20, annotations: { 'containerd.io/snapshot/stargz/toc.digest': 'sha256:toc' } },
    ],
  };
  const config: BaseConfig = { rootfs: { diff_ids: ['sha256:d1', 'sha256:d2'] }, history: [{ created: '2024-01-01T00:00:00Z' }, { created: '2024-01-01T00:00:00Z', empty_layer: true }, { created: '2024-01-01T00:00:00Z' }] };

  it('lists the base layers with OCI media types and only the annotations BuildKit keeps, then ours', () => {
    const { layers, diffIds } = baseLayers(manifest, config, 'base:1');
    expect(diffIds).toEqual(['sha256:d1', 'sha256:d2']);
    const ours = [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: 'sha256:o1', size: 3 }];
    expect(manifestLayers(layers, ours)).toEqual([
      { mediaType: GZIP, digest: 'sha256:l1', size: 10 },
      { mediaType: GZIP, digest: 'sha256:l2', size: 20, annotations: { 'containerd.io/snapshot/stargz/toc.digest': 'sha256:toc' } },
      ...ours,
    ]);
  });

  it.each([
    ['diff_ids that do not match the layers', { ...config, rootfs: { diff_ids: ['sha256:d1'] } }, manifest, /lists 1 diff_ids for 2 layers/],
    ['a history that leaves layers out', { ...config, history: [] }, manifest, /history accounts for 0 of its 2 layers/],
    ['a history entry without a time', { ...config, history: [{}, { created: 'x' }] }, manifest, /no created time/],
    ['ONBUILD triggers', { ...config, config: { OnBuild: ['RUN x'] } }, manifest, /ONBUILD/],
    ['an uncompressed layer', config, { ...manifest, layers: [manifest.layers[0]!, { ...manifest.layers[1]!, mediaType: 'application/vnd.oci.image.layer.v1.tar' }] }, /not a gzip or zstd layer/],
  ])('refuses a base with %s, naming it and engine: buildx', (_name, badConfig, badManifest, message) => {
    expect(() => baseLayers(badManifest, badConfig as BaseConfig, 'base:1')).toThrow(message);
    expect(() => baseLayers(badManifest, badConfig as BaseConfig, 'base:1')).toThrow(/base-image base:1.*engine: buildx/);
  });
});

describe('platformManifest', () => {
  const entry = (architecture: string, variant?: string, attestation = false) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${architecture}${variant ?? ''}${attestation ? 'att' : ''}`,
    size: 1,
    platform: { os: attestation ? 'unknown' : 'linux', architecture: attestation ? 'unknown' : architecture, ...(variant ? { variant } : {}) },
    ...(attestation ? { annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } } : {}),
  });
  const index: ImageIndex = { manifests: [entry('amd64', undefined, true), entry('amd64'), entry('arm64', 'v8'), entry('arm')] };

  it.each([
    [{ os: 'linux', arch: 'amd64' }, 'sha256:amd64'],
    [{ os: 'linux', arch: 'arm64' }, 'sha256:arm64v8'],
    [{ os: 'linux', arch: 'arm', variant: 'v7' }, 'sha256:arm'],
    [{ os: 'linux', arch: 'arm', variant: 'v6' }, undefined],
  ])('%j -> %s', (platform, digest) => {
    expect(platformManifest(index, platform)?.digest).toBe(digest);
  });
});

describe('readBaseImage', () => {
  async function store(registry: MemoryRegistry, name: { registry: string; repository: string }, reference: string, body: object): Promise<string> {
    const bytes = Buffer.from(JSON.stringify(body));
    await registry.putManifest(name, reference, 'application/vnd.oci.image.index.v1+json', bytes);
    return sha256(bytes);
  }

  it('resolves the index to the platform manifest and reads its config, no layer', async () => {
    const registry = new MemoryRegistry();
    const name = { registry: 'registry.example', repository: 'base' };
    const configBytes = Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { diff_ids: ['sha256:d1'] }, history: [{ created: '2024-01-01T00:00:00Z' }] }));
    await registry.putBlob(name, sha256(configBytes), configBytes);
    const layer = Buffer.from('not read');
    await registry.putBlob(name, sha256(layer), layer);
    const manifest = { schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(configBytes), size: configBytes.length }, layers: [{ mediaType: GZIP, digest: sha256(layer), size: layer.length }] };
    const digest = await store(registry, name, 'manifest', manifest);
    await store(registry, name, '1', { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1, platform: { os: 'linux', architecture: 'arm64' } }] });

    const base = await readBaseImage(registry, { ...name, tag: '1' }, { os: 'linux', arch: 'arm64' });
    expect(base.from).toEqual(name);
    expect(base.layers).toEqual([{ mediaType: GZIP, digest: sha256(layer), size: layer.length }]);
    expect(base.diffIds).toEqual(['sha256:d1']);
    await expect(readBaseImage(registry, { ...name, tag: '1' }, { os: 'linux', arch: 'amd64' })).rejects.toThrow(/base-image registry.example\/base:1 has no linux\/amd64 image \(it has linux\/arm64\)/);
    await expect(readBaseImage(registry, { ...name, tag: 'missing' }, { os: 'linux', arch: 'amd64' })).rejects.toThrow(/base-image registry.example\/base:missing could not be read: .*404/);
  });
});
