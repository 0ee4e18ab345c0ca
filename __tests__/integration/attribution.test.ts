import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { attributeBinaryFile } from '../../src/report/binary-attribution.js';
import { compareAttributions, modulesThatGrew, STD, type Attribution } from '../../src/report/attribution.js';
import { repoRoot } from '../helpers/action.js';
import { nmAttribution, sharesOfNamed } from '../helpers/nm-attribution.js';

let work: string;
/** The larger module the new attribution is compared on: a mid-size service of ~60 modules. */
const NODE_EXPORTER = 'github.com/prometheus/node_exporter@v1.12.1';

/** Go with the module cache only for hello's added dependencies; node_exporter comes from the Go module proxy. */
const goEnv = (offline: boolean) => ({ ...process.env, ...(offline ? { GOPROXY: 'off' } : {}), GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64' });

/** Builds the package in `dir` the way the action ships it (stripped) and once more with its symbols, for the nm oracle. */
function build(dir: string, name: string, tags: string[], offline = true): { stripped: string; unstripped: string } {
  const stripped = path.join(work, 'bin', name);
  const unstripped = path.join(work, 'bin', `${name}.unstripped`);
  const tagArgs = tags.length > 0 ? ['-tags', tags.join(',')] : [];
  execFileSync('go', ['build', '-trimpath', '-ldflags', '-s -w -buildid= -X main.version=1.0.0', ...tagArgs, '-o', stripped, '.'], { cwd: dir, env: goEnv(offline) });
  execFileSync('go', ['build', '-trimpath', '-ldflags', '-buildid= -X main.version=1.0.0', ...tagArgs, '-o', unstripped, '.'], { cwd: dir, env: goEnv(offline) });
  return { stripped, unstripped };
}

const binaries: Record<'base' | 'changed' | 'nodeExporter', { stripped: string; unstripped: string }> = {} as never;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-attribution-'));
  await fs.cp(path.join(repoRoot, 'examples/hello'), path.join(work, 'base'), { recursive: true });
  await fs.cp(path.join(repoRoot, 'examples/hello'), path.join(work, 'changed'), { recursive: true });
  // The change a PR makes: request IDs from github.com/google/uuid, titles from golang.org/x/text.
  const changed = path.join(work, 'changed');
  await fs.copyFile(path.join(repoRoot, '__tests__/fixtures/attribution/extra.go.txt'), path.join(changed, 'extra.go'));
  const main = await fs.readFile(path.join(changed, 'main.go'), 'utf8');
  await fs.writeFile(path.join(changed, 'main.go'), main.replace('fmt.Fprintln(w, greeting.For(r.URL.Query().Get("name")))', 'fmt.Fprintln(w, greeting.For(r.URL.Query().Get("name")), requestID())'));
  execFileSync('go', ['get', 'github.com/google/uuid@v1.6.0', 'golang.org/x/text@v0.42.0'], { cwd: changed, env: goEnv(true), stdio: 'ignore' });
  binaries.base = build(path.join(work, 'base'), 'base', ['netgo', 'osusergo']);
  binaries.changed = build(changed, 'changed', ['netgo', 'osusergo']);

  const download = JSON.parse(execFileSync('go', ['mod', 'download', '-json', NODE_EXPORTER], { cwd: work, env: goEnv(false), encoding: 'utf8' })) as { Dir: string };
  const nodeExporter = path.join(work, 'node_exporter');
  await fs.cp(download.Dir, nodeExporter, { recursive: true });
  await fs.chmod(nodeExporter, 0o755);
  execFileSync('chmod', ['-R', 'u+w', nodeExporter]);
  binaries.nodeExporter = build(nodeExporter, 'node_exporter', [], false);
}, 900_000);
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const named = (attribution: Attribution) => attribution.modules.filter((m) => m.kind !== 'section');

describe('binary attribution of the stripped examples/hello', () => {
  it('attributes the code to std and the main module, and names the modules a change adds', async () => {
    const base = await attributeBinaryFile(binaries.base.stripped);
    expect(base.mainModule).toBe('example.com/hello');
    expect(named(base)[0]!.module).toBe(STD);
    expect(named(base).map((m) => m.module).sort()).toEqual(['(unattributed)', 'example.com/hello', 'std']);
    const hello = base.modules.find((m) => m.module === 'example.com/hello')!;
    expect(hello.bytes).toBeGreaterThan(1000);
    expect(hello.bytes).toBeLessThan(100_000);

    const changed = await attributeBinaryFile(binaries.changed.stripped);
    const grew = modulesThatGrew(compareAttributions(base, changed, 1024));
    const byModule = new Map(grew.map((g) => [g.module, g]));
    expect(byModule.get('golang.org/x/text')).toMatchObject({ status: 'new', before: 0, versionAfter: 'v0.42.0' });
    expect(byModule.get('github.com/google/uuid')).toMatchObject({ status: 'new', before: 0, versionAfter: 'v1.6.0' });
    expect(byModule.get('golang.org/x/text')!.after).toBeGreaterThan(20_000);

    // Everything is accounted for: modules and unnamed sections add up to the shipped file.
    const { size } = await fs.stat(binaries.changed.stripped);
    expect(changed.total).toBe(size);
  });
});

describe('the pclntab attribution against the nm attribution of an unstripped build', () => {
  it.each([
    ['examples/hello', 'base'],
    ['examples/hello with uuid and x/text', 'changed'],
    [NODE_EXPORTER, 'nodeExporter'],
  ] as const)('%s: each module has the same share of the code, within one percentage point', async (_name, key) => {
    const current = await attributeBinaryFile(binaries[key].stripped);
    const code = nmAttribution(binaries[key].unstripped, 'Tt');
    const codeBytes = named(current).reduce((sum, m) => sum + m.bytes, 0);
    expect(Math.abs(codeBytes - code.total) / code.total).toBeLessThan(0.001);

    const now = sharesOfNamed(current.modules);
    const before = sharesOfNamed(code.modules);
    expect([...now.keys()].sort()).toEqual([...before.keys()].sort());
    const worst = Math.max(...[...now].map(([module, share]) => Math.abs(share - before.get(module)!)));
    expect(worst).toBeLessThan(1);

    // For the record: the old report also counted each module's read-only data and data symbols.
    const all = sharesOfNamed(nmAttribution(binaries[key].unstripped).modules);
    const rows = [...now].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([m, share]) => `${m}: ${share.toFixed(2)}% (code by nm ${before.get(m)!.toFixed(2)}%, code+data by nm ${(all.get(m) ?? 0).toFixed(2)}%)`);
    console.log(`${_name}: worst difference ${worst.toFixed(3)} points\n${rows.join('\n')}`);
  });
});
