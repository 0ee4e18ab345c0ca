import { describe, expect, it } from '@jest/globals';
import { compressedSize, formatBytes, imageDescriptors, platformOf, platformSize } from '../../src/report/size.js';
import { indexWithAttestations, singleManifest } from '../fixtures/manifests.js';

describe('size model', () => {
  it('compressed size is the config plus every layer', () => {
    expect(compressedSize(singleManifest)).toBe(1200 + 310 + 2_500_000);
    expect(platformSize('linux/amd64', 'sha256:x', singleManifest)).toEqual({
      platform: 'linux/amd64',
      manifestDigest: 'sha256:x',
      compressed: 2_501_510,
      layers: [
        { digest: singleManifest.layers[0]!.digest, compressed: 310 },
        { digest: singleManifest.layers[1]!.digest, compressed: 2_500_000 },
      ],
    });
  });

  it('an index lists images, never attestation manifests', () => {
    expect(imageDescriptors(indexWithAttestations).map(platformOf)).toEqual(['linux/amd64', 'linux/arm/v7']);
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
});
