import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goJson, imageConfig, layerTar, parseAnnotations, SCRATCH_PATH_ENV, writeDirectImage } from '../../src/image/direct.js';
import type { FinalStageSpec } from '../../src/image/dockerfile.js';
import { TarLister, ustarHeader, writeTar } from '../../src/image/tar.js';

const EPOCH = 1767323045; // 2026-01-02T03:04:05Z

/** `tar -tvv --full-time` of a tar, as GNU tar reads it. */
function gnuList(tar: Buffer): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gsi-tarw-'));
  writeFileSync(path.join(dir, 'x.tar'), tar);
  const listing = execFileSync('tar', ['-tvv', '--full-time', '--numeric-owner', '-f', path.join(dir, 'x.tar')], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  rmSync(dir, { recursive: true, force: true });
  return listing.trim().split('\n').map((line) => line.replace(/\s+/g, ' '));
}

describe('ustarHeader and writeTar', () => {
  it('writes the header bytes Go archive/tar writes (octal with NUL, checksum NUL space, ustar magic)', () => {
    const header = ustarHeader({ name: 'etc/', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: EPOCH });
    expect(header.length).toBe(512);
    expect(header.toString('latin1', 100, 136)).toBe('0000755\x000000000\x000000000\x0000000000000\x00');
    expect(header.toString('latin1', 136, 148)).toBe('15125632645\x00');
    expect(header.toString('latin1', 148, 157)).toBe('010030\x00 5');
    expect(header.toString('latin1', 257, 265)).toBe('ustar\x0000');
    expect(header.toString('latin1', 329, 345)).toBe('0000000\x000000000\x00');
    expect(header.subarray(265, 329).every((b) => b === 0)).toBe(true); // no user or group names
  });

  it('gives a tar GNU tar and the lister read back: names, modes, owners, times, sizes', () => {
    const tar = writeTar([
      { name: 'usr/', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: EPOCH },
      { name: 'usr/app', type: 'file', mode: 0o755, uid: 0, gid: 0, mtime: EPOCH, data: Buffer.alloc(1000, 7) },
      { name: 'usr/empty', type: 'file', mode: 0o644, uid: 65532, gid: 65532, mtime: EPOCH, data: Buffer.alloc(0) },
    ]);
    expect(tar.length).toBe(512 + 512 + 1024 + 512 + 1024);
    expect(gnuList(tar)).toEqual([
      'drwxr-xr-x 0/0 0 2026-01-02 03:04:05 usr/',
      '-rwxr-xr-x 0/0 1000 2026-01-02 03:04:05 usr/app',
      '-rw-r--r-- 65532/65532 0 2026-01-02 03:04:05 usr/empty',
    ]);
    const lister = new TarLister();
    lister.write(tar);
    lister.end();
    expect(lister.entries.map((e) => [e.name, e.type, e.size, e.mode])).toEqual([
      ['usr/', 'dir', 0, 0o755],
      ['usr/app', 'file', 1000, 0o755],
      ['usr/empty', 'file', 0, 0o644],
    ]);
  });

  it('splits a long name into the USTAR prefix as Go does, and refuses what needs PAX', () => {
    const long = `${'d'.repeat(80)}/${'f'.repeat(60)}`;
    const header = ustarHeader({ name: long, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: EPOCH, data: Buffer.alloc(0) });
    expect(header.toString('latin1', 0, 60)).toBe('f'.repeat(60));
    expect(header.toString('latin1', 345, 425)).toBe('d'.repeat(80));
    expect(gnuList(writeTar([{ name: long, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: EPOCH, data: Buffer.alloc(0) }]))[0]).toContain(long);
    expect(() => ustarHeader({ name: 'f'.repeat(120), type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: EPOCH })).toThrow(/needs PAX/);
    expect(() => ustarHeader({ name: 'café', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: EPOCH })).toThrow(/not ASCII/);
  });
});

describe('layerTar', () => {
  it('puts every parent folder first, in directory-walk order (a/ and its files before a-b/)', () => {
    const files = ['a-b/x', 'a/z', 'etc/ssl/certs/ca.crt', 'etc/passwd', 'a/y/w'].map((p) => ({ path: p, mode: 0o644, data: Buffer.from(p) }));
    const names = gnuList(layerTar(files, EPOCH)).map((line) => line.split(' ').pop());
    expect(names).toEqual(['a/', 'a/y/', 'a/y/w', 'a/z', 'a-b/', 'a-b/x', 'etc/', 'etc/passwd', 'etc/ssl/', 'etc/ssl/certs/', 'etc/ssl/certs/ca.crt']);
  });
});

describe('goJson', () => {
  it.each([
    [{ a: 'x<y>&z' }, '{"a":"x\\u003cy\\u003e\\u0026z"}'],
    [{ a: '\u2028\u2029' }, '{"a":"\\u2028\\u2029"}'],
    [{ a: '\b\f\n\u0001' }, '{"a":"\\b\\f\\n\\u0001"}'],
    [{ a: 'é€' }, '{"a":"é€"}'],
  ])('%j', (value, expected) => {
    expect(goJson(value)).toBe(expected);
  });
});

describe('parseAnnotations', () => {
  it('sorts annotations into the levels BuildKit gives them; no type means the manifest', () => {
    expect(
      parseAnnotations([
        'plain=1',
        'index:i=2',
        'index-descriptor:id=3',
        'manifest-descriptor:md=4',
        'manifest[linux/arm64/v8]:arm=5',
        'manifest-descriptor[linux/arm]:v7=6',
        'manifest,index:both=7',
        'plain=8=9',
      ]),
    ).toEqual({
      index: { i: '2', both: '7' },
      indexDescriptor: { id: '3' },
      manifest: { '': { plain: '8=9', both: '7' }, 'linux/arm64': { arm: '5' } },
      manifestDescriptor: { '': { md: '4' }, 'linux/arm/v7': { v7: '6' } },
    });
  });

  it.each(['novalue', 'bogus:key=v', 'Manifest:key=v'])('refuses %s', (annotation) => {
    expect(() => parseAnnotations([annotation])).toThrow(/annotation/);
  });
});

describe('imageConfig', () => {
  const stage: FinalStageSpec = {
    binaryName: 'api',
    baseImage: 'scratch',
    expose: ['8080', '53/udp'],
    labels: { 'org.opencontainers.image.title': 'api', 'a.b': 'c' },
    rootfs: { caCertificates: false, zoneinfo: false },
  };

  it('writes the config BuildKit writes: sorted top-level keys, struct order inside, one history entry per instruction', () => {
    const config = JSON.parse(imageConfig({ platform: { os: 'linux', arch: 'arm', variant: 'v6' }, stage, labels: { 'a.b': 'from --label' }, epoch: EPOCH, diffIds: ['sha256:1', 'sha256:2'] }).toString());
    expect(Object.keys(config)).toEqual(['architecture', 'config', 'created', 'history', 'os', 'rootfs', 'variant']);
    expect(Object.keys(config.config)).toEqual(['User', 'ExposedPorts', 'Env', 'Entrypoint', 'WorkingDir', 'Labels']);
    expect(config.config).toEqual({
      User: '65532:65532',
      ExposedPorts: { '53/udp': {}, '8080/tcp': {} },
      Env: [SCRATCH_PATH_ENV],
      Entrypoint: ['/usr/local/bin/api'],
      WorkingDir: '/',
      Labels: { 'a.b': 'from --label', 'org.opencontainers.image.title': 'api' },
    });
    expect(config.created).toBe('2026-01-02T03:04:05Z');
    expect(config.history.map((h: { created_by: string }) => h.created_by)).toEqual([
      'ARG TARGETOS=linux',
      'ARG TARGETARCH=arm',
      'ARG TARGETVARIANT=v6',
      'COPY / / # buildkit',
      'COPY bin/linux-armv6/api /usr/local/bin/api # buildkit',
      'LABEL a.b=c org.opencontainers.image.title=api',
      'EXPOSE [8080/tcp]',
      'EXPOSE [53/udp]',
      'USER 65532:65532',
      'ENTRYPOINT ["/usr/local/bin/api"]',
    ]);
    expect(config.history.filter((h: { empty_layer?: boolean }) => !h.empty_layer)).toHaveLength(2);
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: ['sha256:1', 'sha256:2'] });
  });

  it('has no variant key, ExposedPorts or Labels when there are none, and ENV ZONEINFO with zoneinfo', () => {
    const config = JSON.parse(
      imageConfig({ platform: { os: 'linux', arch: 'amd64' }, stage: { ...stage, expose: [], labels: {}, rootfs: { caCertificates: true, zoneinfo: true } }, labels: {}, epoch: EPOCH, diffIds: [] }).toString(),
    );
    expect(Object.keys(config)).not.toContain('variant');
    expect(Object.keys(config.config)).toEqual(['User', 'Env', 'Entrypoint', 'WorkingDir']);
    expect(config.config.Env).toEqual([SCRATCH_PATH_ENV, 'ZONEINFO=/usr/local/share/zoneinfo.zip']);
    expect(config.history.map((h: { created_by: string }) => h.created_by)).toContain('ENV ZONEINFO=/usr/local/share/zoneinfo.zip');
  });
});

describe('writeDirectImage', () => {
  it('gives every layer entry and the config the time IMAGE_EPOCH (2000-01-01), whatever the commit (see IMAGE_EPOCH)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gsi-direct-'));
    try {
      writeFileSync(path.join(dir, 'app'), Buffer.alloc(100, 1));
      const stage: FinalStageSpec = { binaryName: 'app', baseImage: 'scratch', expose: [], labels: {}, rootfs: { caCertificates: true, zoneinfo: false } };
      const image = await writeDirectImage({ dir: path.join(dir, 'oci'), binaries: [{ platform: { os: 'linux', arch: 'amd64' }, path: path.join(dir, 'app') }], stage, zoneinfoPath: '', labels: {}, annotations: [] });
      const blob = (digest: string) => readFileSync(path.join(dir, 'oci', 'blobs', 'sha256', digest.slice('sha256:'.length)));
      const manifest = JSON.parse(blob(image.root.digest).toString()) as { config: { digest: string }; layers: { digest: string; annotations: Record<string, string> }[] };
      for (const layer of manifest.layers) {
        expect(layer.annotations['buildkit/rewritten-timestamp']).toBe('946684800');
        for (const line of gnuList(blob(layer.digest))) expect(line).toContain(' 2000-01-01 00:00:00 ');
      }
      const config = JSON.parse(blob(manifest.config.digest).toString()) as { created: string; history: { created: string }[] };
      expect(config.created).toBe('2000-01-01T00:00:00Z');
      expect(new Set(config.history.map((h) => h.created))).toEqual(new Set(['2000-01-01T00:00:00Z']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
