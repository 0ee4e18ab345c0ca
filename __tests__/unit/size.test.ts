import { describe, expect, it } from '@jest/globals';
import {
  classifyLayer,
  compareWithBaseline,
  compressedSize,
  formatChange,
  formatPercent,
  imageDescriptors,
  largestCompressed,
  largestDelta,
  largestUncompressed,
  platformOf,
  platformSize,
  sizesOutput,
  withLayerDetails,
  type PlatformSize,
} from '../../src/report/size.js';
import type { LayerEntry } from '../../src/image/tar.js';
import { formatBytes } from '../../src/format-bytes.js';
import { indexWithAttestations, singleManifest } from '../fixtures/manifests.js';

const file = (name: string, size: number, mode = 0o644): LayerEntry => ({ name, size, type: 'file', mode });
const dir = (name: string): LayerEntry => ({ name, size: 0, type: 'dir', mode: 0o755 });

describe('size model', () => {
  it('compressed size is the config plus every layer', () => {
    expect(compressedSize(singleManifest)).toBe(1200 + 310 + 2_500_000);
    expect(platformSize('linux/amd64', 'sha256:x', singleManifest)).toEqual({
      platform: 'linux/amd64',
      manifestDigest: 'sha256:x',
      compressed: 2_501_510,
      layers: [
        { digest: singleManifest.layers[0]!.digest, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', compressed: 310 },
        { digest: singleManifest.layers[1]!.digest, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', compressed: 2_500_000 },
      ],
    });
  });

  it('an index lists images, never attestation manifests', () => {
    expect(imageDescriptors(indexWithAttestations).map(platformOf)).toEqual(['linux/amd64', 'linux/arm/v7']);
    // An index entry's size is its manifest JSON (673 bytes), never an image size.
    expect(imageDescriptors(indexWithAttestations).map((d) => d.size)).toEqual([673, 673]);
  });

  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [5 * 1024 * 1024, '5.00 MiB'],
    [150 * 1024 * 1024, '150.0 MiB'],
    [-2048, '-2.00 KiB'],
  ])('formats %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('signs changes with an arrow and percentages with + or -', () => {
    expect([formatChange(1536), formatChange(-300), formatChange(0)]).toEqual(['▲ +1.50 KiB', '▼ -300 B', '= 0 B']);
    expect([formatPercent(4.2), formatPercent(-0.031), formatPercent(0), formatPercent(undefined)]).toEqual(['+4.20%', '-0.03%', '0.00%', 'n/a']);
  });
});

describe('layer contents', () => {
  const rootfs = [dir('etc'), file('etc/passwd', 120), file('etc/group', 60), file('etc/ssl/certs/ca-certificates.crt', 213_000), file('usr/share/zoneinfo/UTC', 114)];
  it.each([
    ['a scratch rootfs', rootfs, {}, ['certificates', 'passwd', 'zoneinfo']],
    ['the binary (executable)', [dir('app'), file('app/hello', 6_000_000, 0o755)], {}, ['binary']],
    ['the binary (named)', [file('usr/local/bin/hello', 6_000_000, 0o644)], { binaryPaths: ['/usr/local/bin/hello'] }, ['binary']],
    ['a named binary does not make other executables binaries', [file('bin/tool', 10, 0o755)], { binaryPaths: ['app'] }, ['other']],
    ['an embedded zoneinfo.zip', [file('zoneinfo.zip', 400_000)], {}, ['zoneinfo']],
    ['an OS base layer', [file('etc/os-release', 400), file('bin/busybox', 900_000, 0o755), file('etc/passwd', 300)], {}, ['base']],
    ['a known base layer digest', [file('app/hello', 6_000_000, 0o755)], { baseLayers: new Set(['sha256:l']) }, ['base']],
    ['whiteouts and folders only', [dir('tmp'), file('tmp/.wh.old', 0)], {}, []],
  ])('%s', (_name, entries, options, holds) => {
    expect(classifyLayer('sha256:l', entries as LayerEntry[], options)).toEqual(holds);
  });

  it('fills in uncompressed sizes, and the platform total only when every layer is known', () => {
    const size = platformSize('linux/amd64', 'sha256:x', singleManifest);
    const [l1, l2] = singleManifest.layers;
    const partial = withLayerDetails(size, new Map([[l1!.digest, { uncompressed: 3_584, entries: rootfs }]]));
    expect(partial.uncompressed).toBeUndefined();
    expect(partial.layers[0]).toMatchObject({ uncompressed: 3_584, holds: ['certificates', 'passwd', 'zoneinfo'], files: 4 });
    const full = withLayerDetails(
      size,
      new Map([
        [l1!.digest, { uncompressed: 3_584, entries: rootfs }],
        [l2!.digest, { uncompressed: 6_001_664, entries: [file('hello', 6_000_000, 0o755)] }],
      ]),
    );
    expect(full.uncompressed).toBe(3_584 + 6_001_664);
    expect(full.layers.map((l) => l.holds)).toEqual([['certificates', 'passwd', 'zoneinfo'], ['binary']]);
  });
});

describe('deltas against the baseline', () => {
  const amd64: PlatformSize = { platform: 'linux/amd64', manifestDigest: 'sha256:a', compressed: 2_200_000, uncompressed: 6_000_000, layers: [] };
  const arm64: PlatformSize = { platform: 'linux/arm64', manifestDigest: 'sha256:b', compressed: 2_000_000, uncompressed: 5_500_000, layers: [] };
  const old: PlatformSize = { platform: 'linux/amd64', manifestDigest: 'sha256:o', compressed: 2_000_000, uncompressed: 5_000_000, layers: [] };

  it('found: bytes and percent per platform; a platform the baseline lacks says so', () => {
    const deltas = compareWithBaseline([amd64, arm64], { state: 'found', ref: 'r:main', digest: 'sha256:i', sizes: [old] });
    expect(deltas).toEqual([
      { platform: 'linux/amd64', state: 'found', compressed: { before: 2_000_000, after: 2_200_000, bytes: 200_000, percent: 10 }, uncompressed: { before: 5_000_000, after: 6_000_000, bytes: 1_000_000, percent: 20 } },
      { platform: 'linux/arm64', state: 'platform-missing' },
    ]);
    expect(largestDelta(deltas)).toBe(200_000);
  });

  it('no baseline yet (missing tag) or none configured: no deltas, no failure', () => {
    expect(compareWithBaseline([amd64], { state: 'missing', ref: 'r:main' })).toEqual([{ platform: 'linux/amd64', state: 'no-baseline' }]);
    expect(compareWithBaseline([amd64], { state: 'none' })).toEqual([{ platform: 'linux/amd64', state: 'no-baseline' }]);
    expect(largestDelta(compareWithBaseline([amd64], { state: 'none' }))).toBeUndefined();
  });

  it('a baseline without uncompressed sizes gives a compressed delta only; a zero baseline no percent', () => {
    const [delta] = compareWithBaseline([amd64], { state: 'found', ref: 'r', digest: 'd', sizes: [{ ...old, uncompressed: undefined, compressed: 0 }] });
    expect(delta).toEqual({ platform: 'linux/amd64', state: 'found', compressed: { before: 0, after: 2_200_000, bytes: 2_200_000 } });
  });

  it('outputs: the largest platform, and a JSON of bytes per platform', () => {
    expect(largestCompressed([amd64, arm64])).toBe(2_200_000);
    expect(largestUncompressed([amd64, arm64])).toBe(6_000_000);
    expect(largestUncompressed([amd64, { ...arm64, uncompressed: undefined }])).toBeUndefined();
    const deltas = compareWithBaseline([amd64, arm64], { state: 'found', ref: 'r:main', digest: 'sha256:i', sizes: [old] });
    expect(sizesOutput([amd64, arm64], deltas, [{ platform: 'linux/amd64', size: 5_900_000 }])).toEqual([
      { platform: 'linux/amd64', digest: 'sha256:a', compressed: 2_200_000, uncompressed: 6_000_000, binary: 5_900_000, delta: 200_000, baseline: 'found', layers: [] },
      { platform: 'linux/arm64', digest: 'sha256:b', compressed: 2_000_000, uncompressed: 5_500_000, binary: null, delta: null, baseline: 'platform-missing', layers: [] },
    ]);
  });
});
