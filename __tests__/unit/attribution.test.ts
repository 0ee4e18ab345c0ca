import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseBuildInfo } from '../../src/go/buildinfo.js';
import {
  attributeCode,
  comparePackages,
  foldSmallPackages,
  compareAttributions,
  moduleOf,
  modulesThatGrew,
  sameBasis,
  SECTIONS,
  symbolPackage,
  topModules,
  type Attribution,
} from '../../src/report/attribution.js';

// Recorded from a real run here: examples/hello plus fixtures/attribution/extra.go.txt (uuid and
// x/text), `CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -trimpath -tags netgo,osusergo` with
// Go 1.26.8, then `go version -m`.
const fixtures = path.join(import.meta.dirname, '../fixtures/attribution');
const buildInfoText = readFileSync(path.join(fixtures, 'hello-uuid-text.buildinfo.txt'), 'utf8');

describe('go version -m', () => {
  it('reads the main module, the dependencies and the build settings', () => {
    const info = parseBuildInfo(buildInfoText);
    expect(info.goVersion).toBe('go1.26.8');
    expect(info.path).toBe('example.com/hello');
    expect(info.mainModule).toBe('example.com/hello');
    expect(info.deps).toEqual([
      { path: 'github.com/google/uuid', version: 'v1.6.0', sum: 'h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=' },
      { path: 'golang.org/x/text', version: 'v0.42.0', sum: 'h1:JbOZXgfeCPU9gacVtYliJqOhD+zhrEqK4LfdpmlUZqI=' },
    ]);
    expect(info.mainVersion).toBe('(devel)');
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
    ['main.main.func1.2', 'main'],
    ['main.(*server).handle-fm', 'main'],
    ['runtime.gcBgMarkWorker.gowrap1', 'runtime'],
    ['type:.eq.runtime.untracedG·7', 'runtime'],
    ['github.com/prometheus/procfs.(*FS).Stat', 'github.com/prometheus/procfs'],
    ['example.com/tiny/greet.Map[go.shape.int]', 'example.com/tiny/greet'],
    ['example.com/tiny/greet.Map[go.shape.int].func1', 'example.com/tiny/greet'],
    ['sync/atomic.(*Pointer[go.shape.struct { net/http.x int }]).Load', 'sync/atomic'],
    ['go.yaml.in/yaml/v2.(*parser).parse', 'go.yaml.in/yaml/v2'],
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

describe('function code and unnamed sections by module', () => {
  const info = parseBuildInfo(buildInfoText);
  // Names as the function table of that build spells them.
  const functions = [
    { name: 'runtime.main', size: 1_000 },
    { name: 'net/http.(*conn).serve', size: 3_000 },
    { name: 'slices.partitionCmpFunc[go.shape.struct { encoding/json.name string }]', size: 500 },
    { name: 'type:.eq.runtime.untracedG·7', size: 57 },
    { name: 'vendor/golang.org/x/net/idna.(*Profile).process', size: 1_200 },
    { name: 'golang.org/x/text/cases.(*titleCaser).Transform', size: 2_500 },
    { name: 'golang.org/x/text/unicode/norm.(*reorderBuffer).insertOrdered.func1', size: 300 },
    { name: 'github.com/google/uuid.New', size: 200 },
    { name: 'main.main', size: 400 },
    { name: 'main.main.func1', size: 40 },
    { name: 'example.com/hello/greeting.For', size: 120 },
    { name: 'aeshashbody', size: 1_380 },
    { name: 'go:buildid', size: 0 },
  ];
  const sections = [
    { label: SECTIONS.readOnlyData, bytes: 9_000 },
    { label: SECTIONS.functionTable, bytes: 7_000 },
    { label: SECTIONS.data, bytes: 1_000 },
    { label: SECTIONS.codePadding, bytes: 300 },
    { label: SECTIONS.fileStructure, bytes: 0 },
  ];
  const attribution = attributeCode(functions, info, sections);

  it('sums code by module and lists the unnamed bytes by section, largest first', () => {
    expect(attribution.modules.map((m) => [m.module, m.kind, m.version, m.bytes])).toEqual([
      ['(read-only data)', 'section', undefined, 9_000],
      ['(function table)', 'section', undefined, 7_000],
      ['std', 'std', undefined, 5_757],
      ['golang.org/x/text', 'dep', 'v0.42.0', 2_800],
      ['(unattributed)', 'other', undefined, 1_380],
      ['(data)', 'section', undefined, 1_000],
      ['example.com/hello', 'main', undefined, 560],
      ['(code alignment)', 'section', undefined, 300],
      ['github.com/google/uuid', 'dep', 'v1.6.0', 200],
    ]);
    expect(attribution.total).toBe(27_997);
    expect(attribution).toMatchObject({ goVersion: 'go1.26.8', mainModule: 'example.com/hello', basis: 'pclntab' });
  });

  it('splits std and the main module by package (other modules stay whole)', () => {
    expect(attribution.packages!.map((p) => [p.package, p.module, p.bytes])).toEqual([
      ['net/http', 'std', 3_000],
      ['vendor/golang.org/x/net/idna', 'std', 1_200],
      ['runtime', 'std', 1_057],
      ['slices', 'std', 500],
      ['main', 'example.com/hello', 440],
      ['example.com/hello/greeting', 'example.com/hello', 120],
    ]);
    expect(attribution.packages!.filter((p) => p.module === 'std').reduce((sum, p) => sum + p.bytes, 0)).toBe(5_757);
  });

  it('compares packages folded as the stored report folds them: small ones summed per module', () => {
    const before: Attribution = { ...attribution, packages: [{ package: 'net/http', module: 'std', bytes: 2_000 }, { package: '(smaller packages)', module: 'std', bytes: 500 }] };
    const after: Attribution = {
      ...attribution,
      packages: [
        { package: 'net/http', module: 'std', bytes: 2_100 },
        { package: 'encoding/xml', module: 'std', bytes: 60_000 },
        { package: 'slices', module: 'std', bytes: 600 },
      ],
    };
    expect(foldSmallPackages(after.packages!)).toEqual([after.packages![0], after.packages![1], { package: '(smaller packages)', module: 'std', bytes: 600 }]);
    expect(comparePackages(before, after)).toEqual([
      { package: 'encoding/xml', module: 'std', before: 0, after: 60_000, bytes: 60_000 },
      { package: '(smaller packages)', module: 'std', before: 500, after: 600, bytes: 100 },
      { package: 'net/http', module: 'std', before: 2_000, after: 2_100, bytes: 100 },
    ]);
    expect(comparePackages({ ...before, packages: undefined }, after)).toBeUndefined();
  });

  it('folds the tail into one line that keeps the total', () => {
    const top = topModules(attribution, 2);
    expect(top.map((m) => m.module)).toEqual(['(read-only data)', '(function table)', '(7 more)']);
    expect(top.reduce((sum, m) => sum + m.bytes, 0)).toBe(attribution.total);
  });

  it('names the modules that appeared or grew against a baseline', () => {
    const baseline: Attribution = {
      goVersion: 'go1.26.8',
      mainModule: 'example.com/hello',
      total: 25_000,
      basis: 'pclntab',
      modules: [
        { module: 'std', kind: 'std', bytes: 5_000 },
        { module: 'golang.org/x/text', kind: 'dep', version: 'v0.41.0', bytes: 2_000 },
        { module: 'example.com/hello', kind: 'main', bytes: 600 },
        { module: 'github.com/old/gone', kind: 'dep', version: 'v1.0.0', bytes: 900 },
        { module: '(read-only data)', kind: 'section', bytes: 9_000 },
        { module: '(function table)', kind: 'section', bytes: 6_000 },
        { module: '(unattributed)', kind: 'other', bytes: 1_380 },
        { module: '(data)', kind: 'section', bytes: 1_000 },
        { module: '(code alignment)', kind: 'section', bytes: 300 },
      ],
    };
    const changes = compareAttributions(baseline, attribution);
    expect(changes).toEqual([
      { module: '(function table)', status: 'grew', before: 6_000, after: 7_000, bytes: 1_000 },
      { module: 'golang.org/x/text', status: 'grew', before: 2_000, after: 2_800, bytes: 800, versionBefore: 'v0.41.0', versionAfter: 'v0.42.0' },
      { module: 'std', status: 'grew', before: 5_000, after: 5_757, bytes: 757 },
      { module: 'github.com/google/uuid', status: 'new', before: 0, after: 200, bytes: 200, versionAfter: 'v1.6.0' },
      { module: 'example.com/hello', status: 'shrank', before: 600, after: 560, bytes: -40 },
      { module: 'github.com/old/gone', status: 'removed', before: 900, after: 0, bytes: -900, versionBefore: 'v1.0.0' },
    ]);
    expect(modulesThatGrew(changes).map((c) => c.module)).toEqual(['golang.org/x/text', 'std', 'github.com/google/uuid']);
    expect(compareAttributions(baseline, attribution, 800).map((c) => c.module)).toEqual(['(function table)', 'golang.org/x/text', 'github.com/old/gone']);
  });

  it('compares only attributions made the same way', () => {
    const fromSymbols: Attribution = { ...attribution };
    delete fromSymbols.basis;
    expect(sameBasis(attribution, attribution)).toBe(true);
    expect(sameBasis(fromSymbols, attribution)).toBe(false);
    expect(sameBasis(fromSymbols, { ...fromSymbols })).toBe(true);
  });
});
