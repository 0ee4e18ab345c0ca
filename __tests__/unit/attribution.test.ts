import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  attribute,
  compareAttributions,
  moduleOf,
  modulesThatGrew,
  parseBuildInfo,
  parseNm,
  symbolPackage,
  topModules,
  type Attribution,
} from '../../src/report/attribution.js';
import { keepSymbols, unstrippedBuildCommand } from '../../src/go/symbols.js';

// Recorded from a real run here: examples/hello plus fixtures/attribution/extra.go.txt (uuid and
// x/text), `CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -tags netgo,osusergo` with
// Go 1.26.8, then `go tool nm -size -sort size` (trimmed to the 120 largest symbols plus every
// symbol of the main module and its dependencies) and `go version -m`. The file-backed ranges are
// the binary's PT_LOAD segments (`readelf -lW`: vaddr, filesz).
const fixtures = path.join(import.meta.dirname, '../fixtures/attribution');
const nmText = readFileSync(path.join(fixtures, 'hello-uuid-text.nm.txt'), 'utf8');
const buildInfoText = readFileSync(path.join(fixtures, 'hello-uuid-text.buildinfo.txt'), 'utf8');
const loadSegments = [
  { start: 0x400000, end: 0x400000 + 0x2b5731 },
  { start: 0x6b6000, end: 0x6b6000 + 0x2eb180 },
  { start: 0x9a2000, end: 0x9a2000 + 0x61e20 },
];

describe('go version -m', () => {
  it('reads the main module, the dependencies and the build settings', () => {
    const info = parseBuildInfo(buildInfoText);
    expect(info.goVersion).toBe('go1.26.8');
    expect(info.path).toBe('example.com/hello');
    expect(info.mainModule).toBe('example.com/hello');
    expect(info.deps).toEqual([
      { path: 'github.com/google/uuid', version: 'v1.6.0' },
      { path: 'golang.org/x/text', version: 'v0.42.0' },
    ]);
    expect(info.settings).toMatchObject({ GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '0', '-tags': 'netgo,osusergo' });
  });

  it('keeps a replacement with its dependency', () => {
    const info = parseBuildInfo('app: go1.26.8\n\tpath\tx.io/app\n\tmod\tx.io/app\t(devel)\t\n\tdep\tx.io/lib\tv1.0.0\n\t=>\t../lib\t(devel)\t\n');
    expect(info.deps).toEqual([{ path: 'x.io/lib', version: 'v1.0.0', replacedBy: '../lib (devel)' }]);
  });
});

describe('symbol → package → module', () => {
  it.each([
    ['net/http.(*Server).Serve', 'net/http'],
    ['golang.org/x/text/unicode/norm.decomps', 'golang.org/x/text/unicode/norm'],
    ['main.main.func1', 'main'],
    ['main..typeAssert.0', 'main'],
    ['type:.eq.[45]vendor/golang.org/x/sys/cpu.option', 'vendor/golang.org/x/sys/cpu'],
    ['type:*github.com/google/uuid.UUID', 'github.com/google/uuid'],
    ['go:itab.*golang.org/x/text/cases.titleCaser,golang.org/x/text/transform.SpanningTransformer', 'golang.org/x/text/cases'],
    ['crypto/internal/entropy/v1%2e0%2e0.Samples', 'crypto/internal/entropy/v1.0.0'],
    ['gopkg.in/yaml%2ev3.Unmarshal', 'gopkg.in/yaml.v3'],
    ['slices.partitionCmpFunc[go.shape.struct { encoding/json.name string; net/netip.Addr }]', 'slices'],
    ['encoding/json.appendString[go.shape.[]uint8]', 'encoding/json'],
    ['go:func.*', undefined],
    ['$f64.3ff0000000000000', undefined],
    ['type:struct { a int }', undefined],
  ])('%s belongs to %s', (symbol, pkg) => {
    expect(symbolPackage(symbol)).toBe(pkg);
  });

  const info = { mainModule: 'example.com/hello', deps: [{ path: 'golang.org/x/text', version: 'v0.42.0' }, { path: 'golang.org/x/text/sub', version: 'v0.1.0' }] };
  it.each([
    ['golang.org/x/text/cases', 'golang.org/x/text'],
    ['golang.org/x/text/sub/pkg', 'golang.org/x/text/sub'],
    ['golang.org/x/textual', '(unattributed)'],
    ['example.com/hello/greeting', 'example.com/hello'],
    ['main', 'example.com/hello'],
    ['vendor/golang.org/x/net/idna', 'std'],
    ['net/http', 'std'],
  ])('%s is in module %s (longest prefix)', (pkg, module) => {
    expect(moduleOf(pkg, info).module).toBe(module);
  });
});

describe('attribution of a recorded build', () => {
  const attribution = attribute(parseNm(nmText), parseBuildInfo(buildInfoText), loadSegments);

  it('groups file-backed symbol bytes by module, largest first', () => {
    expect(attribution.modules.map((m) => [m.module, m.version, m.bytes])).toEqual([
      ['std', undefined, 715_163],
      ['(unattributed)', undefined, 372_272], // go:func.*: funcdata of every function, owned by no package
      ['golang.org/x/text', 'v0.42.0', 163_301],
      ['github.com/google/uuid', 'v1.6.0', 3_410],
      ['example.com/hello', undefined, 2_663],
    ]);
    expect(attribution.total).toBe(1_256_809);
  });

  it('leaves out zero-filled bss even when nm labels it D', () => {
    const bss = parseNm(nmText).find((s) => s.name === 'crypto/internal/fips140/drbg.memory')!;
    expect(bss).toMatchObject({ size: 33_554_432, type: 'D' });
    const withoutRanges = attribute(parseNm(nmText), parseBuildInfo(buildInfoText));
    expect(withoutRanges.total - attribution.total).toBe(33_799_969);
  });

  it('folds the tail into one line that keeps the total', () => {
    const top = topModules(attribution, 2);
    expect(top.map((m) => m.module)).toEqual(['std', '(unattributed)', '(3 more)']);
    expect(top.reduce((sum, m) => sum + m.bytes, 0)).toBe(attribution.total);
  });

  it('names the modules that appeared or grew against a baseline', () => {
    const baseline: Attribution = {
      goVersion: 'go1.26.8',
      mainModule: 'example.com/hello',
      total: 1_080_000,
      modules: [
        { module: 'std', kind: 'std', bytes: 700_000 },
        { module: 'golang.org/x/text', kind: 'dep', version: 'v0.41.0', bytes: 150_000 },
        { module: 'example.com/hello', kind: 'main', bytes: 2_700 },
        { module: 'github.com/old/gone', kind: 'dep', version: 'v1.0.0', bytes: 9_000 },
        { module: '(unattributed)', kind: 'other', bytes: 372_272 },
      ],
    };
    const changes = compareAttributions(baseline, attribution);
    expect(changes).toEqual([
      { module: 'std', status: 'grew', before: 700_000, after: 715_163, bytes: 15_163 },
      { module: 'golang.org/x/text', status: 'grew', before: 150_000, after: 163_301, bytes: 13_301, versionBefore: 'v0.41.0', versionAfter: 'v0.42.0' },
      { module: 'github.com/google/uuid', status: 'new', before: 0, after: 3_410, bytes: 3_410, versionAfter: 'v1.6.0' },
      { module: 'example.com/hello', status: 'shrank', before: 2_700, after: 2_663, bytes: -37 },
      { module: 'github.com/old/gone', status: 'removed', before: 9_000, after: 0, bytes: -9_000, versionBefore: 'v1.0.0' },
    ]);
    expect(modulesThatGrew(changes).map((c) => c.module)).toEqual(['std', 'golang.org/x/text', 'github.com/google/uuid']);
    expect(compareAttributions(baseline, attribution, 14_000).map((c) => c.module)).toEqual(['std']);
  });
});

describe('the unstripped build', () => {
  it('is the shipped build without -s -w, for the same platform and tags', () => {
    expect(keepSymbols('-s -w -X main.version=1.2.3 -w=true')).toBe('-X main.version=1.2.3');
    expect(
      unstrippedBuildCommand({ platform: { os: 'linux', arch: 'arm', variant: 'v7' }, mainPackage: './cmd/api', buildTags: ['netgo', 'osusergo'], userLdflags: '-s -w -X main.version=1', output: '/tmp/x/unstripped' }),
    ).toEqual({
      args: ['build', '-trimpath', '-ldflags', '-X main.version=1', '-tags', 'netgo,osusergo', '-o', '/tmp/x/unstripped', './cmd/api'],
      env: { CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'arm', GOARM: '7' },
    });
  });
});
