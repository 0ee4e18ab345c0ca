import { describe, expect, it } from '@jest/globals';
import { needsCaCertificates, needsZoneinfo, parseDepsListing, type DependencyPackage } from '../../src/go/deps.js';

const pkg = (importPath: string, standard: boolean, goFiles: string[] = []): DependencyPackage => ({ importPath, standard, dir: `/src/${importPath}`, goFiles });

describe('dependency rules', () => {
  it('parses go list -deps output', () => {
    expect(parseDepsListing('time\ttrue\t/go/src/time\tformat.go,sleep.go\nexample.com/a\tfalse\t/w/a\t\n')).toEqual([
      { importPath: 'time', standard: true, dir: '/go/src/time', goFiles: ['format.go', 'sleep.go'] },
      { importPath: 'example.com/a', standard: false, dir: '/w/a', goFiles: [] },
    ]);
  });

  it('wants CA certificates exactly when crypto/x509 is linked', () => {
    expect(needsCaCertificates([pkg('fmt', true), pkg('crypto/x509', true)])).toBe(true);
    expect(needsCaCertificates([pkg('fmt', true)])).toBe(false);
  });

  const sources: Record<string, string> = {
    '/src/example.com/zones/z.go': 'package zones\nfunc f() { loc, _ := time.LoadLocation("Europe/Paris"); _ = loc }\n',
    '/src/example.com/plain/p.go': 'package plain\nfunc g() { _ = time.Now().UTC() }\n',
  };
  const read = async (file: string) => sources[file] ?? '';

  it.each<[string, DependencyPackage[], boolean]>([
    ['a non-standard package calls time.LoadLocation', [pkg('time', true, ['zoneinfo.go']), pkg('example.com/zones', false, ['z.go'])], true],
    ['time/tzdata is embedded', [pkg('time/tzdata', true), pkg('example.com/zones', false, ['z.go'])], false],
    ['only UTC is used', [pkg('time', true, ['zoneinfo.go']), pkg('example.com/plain', false, ['p.go'])], false],
  ])('zoneinfo when %s', async (_name, packages, expected) => {
    expect(await needsZoneinfo(packages, read)).toBe(expected);
  });
});
