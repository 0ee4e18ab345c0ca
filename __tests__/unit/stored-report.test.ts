import { describe, expect, it } from '@jest/globals';
import type { Attribution } from '../../src/report/attribution.js';
import { mergeStoredReports, parseStoredReport, serializeStoredReport } from '../../src/report/stored.js';

const attribution: Attribution = {
  goVersion: 'go1.26.8',
  mainModule: 'example.com/hello',
  total: 1000,
  basis: 'pclntab',
  modules: [
    { module: 'std', kind: 'std', bytes: 700 },
    { module: 'example.com/hello', kind: 'main', bytes: 300 },
  ],
};
const layer = `sha256:${'a'.repeat(64)}`;
const layers = { [layer]: { uncompressed: 5000, files: 1, holds: ['binary' as const] } };

describe('the size report stored on an image', () => {
  it('round-trips the attribution and the layer details', () => {
    const text = serializeStoredReport({ platform: 'linux/amd64', binarySize: 1000, current: attribution }, layers);
    expect(parseStoredReport(text)).toEqual({ version: 1, attributed: { platform: 'linux/amd64', binarySize: 1000, attribution }, layers });
  });

  it('keeps the attribution fields where earlier versions put them, so their reports still read', () => {
    const text = serializeStoredReport({ platform: 'linux/amd64', binarySize: 1000, current: attribution }, undefined);
    expect(JSON.parse(text)).toEqual({ version: 1, platform: 'linux/amd64', binarySize: 1000, attribution });
    expect(parseStoredReport(JSON.stringify({ version: 1, platform: 'linux/arm64', binarySize: 9, attribution }))?.attributed?.platform).toBe('linux/arm64');
  });

  it('stores the packages of std and the main module by module, the small ones summed', () => {
    const packages = [
      { package: 'encoding/xml', module: 'std', bytes: 60_000 },
      { package: 'main', module: 'example.com/hello', bytes: 2_000 },
      { package: 'slices', module: 'std', bytes: 300 },
      { package: 'unicode', module: 'std', bytes: 200 },
    ];
    const text = serializeStoredReport({ platform: 'linux/amd64', binarySize: 1000, current: { ...attribution, packages } }, undefined);
    expect(JSON.parse(text).attribution.packages).toEqual({ std: { 'encoding/xml': 60_000, '(smaller packages)': 500 }, 'example.com/hello': { main: 2_000 } });
    expect(parseStoredReport(text)?.attributed?.attribution.packages).toEqual([
      { package: 'encoding/xml', module: 'std', bytes: 60_000 },
      { package: 'main', module: 'example.com/hello', bytes: 2_000 },
      { package: '(smaller packages)', module: 'std', bytes: 500 },
    ]);
  });

  it('stores layer details without an attribution (a binary that could not be attributed)', () => {
    expect(parseStoredReport(serializeStoredReport(undefined, layers))).toEqual({ version: 1, layers });
  });

  it.each([
    ['not JSON', '{'],
    ['another version', JSON.stringify({ version: 2, layers })],
    ['nothing usable', JSON.stringify({ version: 1, layers: { 'sha256:short': { uncompressed: 1, files: 1, holds: [] } } })],
  ])('%s is no report', (_, text) => {
    expect(parseStoredReport(text)).toBeUndefined();
  });

  it('drops malformed layer entries and keeps the rest', () => {
    const text = JSON.stringify({ version: 1, layers: { ...layers, [`sha256:${'b'.repeat(64)}`]: { uncompressed: -1, files: 1, holds: [] }, [`sha256:${'c'.repeat(64)}`]: { uncompressed: 1, files: 1, holds: [3] } } });
    expect(parseStoredReport(text)?.layers).toEqual(layers);
  });
});

describe('the size report of a merged index', () => {
  const shared = `sha256:${'d'.repeat(64)}`;
  const arm = `sha256:${'e'.repeat(64)}`;
  const rootfs = { uncompressed: 2048, files: 2, holds: ['passwd' as const] };
  const amd64 = serializeStoredReport({ platform: 'linux/amd64', binarySize: 1000, current: attribution }, { [layer]: layers[layer]!, [shared]: rootfs });
  const arm64 = serializeStoredReport({ platform: 'linux/arm64', binarySize: 900, current: attribution }, { [arm]: { uncompressed: 4000, files: 1, holds: ['binary'] }, [shared]: rootfs });

  it('is what a single run with both platforms stores: the first attribution, every layer in platform order', () => {
    const single = serializeStoredReport({ platform: 'linux/amd64', binarySize: 1000, current: attribution }, { [layer]: layers[layer]!, [shared]: rootfs, [arm]: { uncompressed: 4000, files: 1, holds: ['binary'] } });
    expect(mergeStoredReports([amd64, arm64])).toBe(single);
  });

  it('keeps a report it cannot read as it is, and none when the first leg has none', () => {
    expect(mergeStoredReports(['not json', arm64])).toBe('not json');
    expect(mergeStoredReports([undefined, arm64])).toBeUndefined();
  });
});
