import { describe, expect, it } from '@jest/globals';
import { needsCaCertificates, needsZoneinfo, parseDepsListing, type DependencyPackage } from '../../src/go/deps.js';
import { mainPackageProblem } from '../../src/go/gotool.js';

const pkg = (importPath: string, standard: boolean, goFiles: string[] = []): DependencyPackage => ({
  importPath,
  standard,
  dir: `/src/${importPath}`,
  goFiles,
  name: importPath.split('/').pop()!,
  depOnly: true,
  module: standard ? '' : importPath,
  mainModule: false,
});

describe('dependency rules', () => {
  it('parses go list -deps output, CRLF too (Windows)', () => {
    expect(parseDepsListing('time\ttrue\t/go/src/time\tformat.go,sleep.go\ttime\ttrue\t\r\nexample.com/a\tfalse\t/w/a\t\tmain\tfalse\texample.com/a\ttrue\n')).toEqual([
      { importPath: 'time', standard: true, dir: '/go/src/time', goFiles: ['format.go', 'sleep.go'], name: 'time', depOnly: true, module: '', mainModule: false },
      { importPath: 'example.com/a', standard: false, dir: '/w/a', goFiles: [], name: 'main', depOnly: false, module: 'example.com/a', mainModule: true },
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

describe('mainPackageProblem (the main-package check over the one go list -deps)', () => {
  const listed = (p: Partial<DependencyPackage>): DependencyPackage => ({ importPath: 'example.com/hello', standard: false, dir: '/w', goFiles: ['main.go'], name: 'main', depOnly: false, module: 'example.com/hello', mainModule: true, ...p });
  const fmt = listed({ importPath: 'fmt', standard: true, name: 'fmt', depOnly: true, module: '' });
  it.each<[string, DependencyPackage[], string | undefined]>([
    ['one main package of the module', [fmt, listed({})], undefined],
    ['a library package', [fmt, listed({ name: 'greeting', importPath: 'example.com/hello/greeting' })], 'it is package greeting'],
    ['a pattern', [listed({}), listed({ importPath: 'example.com/hello/cmd/b' })], 'it is a pattern matching 2 packages; patterns are not accepted'],
    ['a command of the Go distribution', [fmt, listed({ importPath: 'cmd/gofmt', standard: true, module: '', mainModule: false })], 'it is a command of the Go distribution, outside the module'],
    ['nothing listed', [], 'go list found no package'],
  ])('%s', (_name, packages, expected) => {
    expect(mainPackageProblem(packages)).toBe(expected);
  });
});
