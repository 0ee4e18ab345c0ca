import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execCommand } from '../../src/exec.js';
import { attributePackage, type GoCommand } from '../../src/go/symbols.js';
import { compareAttributions, modulesThatGrew, STD } from '../../src/report/attribution.js';
import { repoRoot } from '../helpers/action.js';

let work: string;
const platform = { os: 'linux', arch: 'amd64' };
const request = { platform, mainPackage: '.', buildTags: ['netgo', 'osusergo'], userLdflags: '-s -w -X main.version=1.0.0' };

/** Go with the module cache only: the added dependencies come from it, never the network. */
function goCommand(cwd: string): GoCommand {
  return { go: 'go', cwd, exec: execCommand, env: { ...process.env, GOPROXY: 'off', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' } };
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-attribution-'));
  await fs.cp(path.join(repoRoot, 'examples/hello'), path.join(work, 'base'), { recursive: true });
  await fs.cp(path.join(repoRoot, 'examples/hello'), path.join(work, 'changed'), { recursive: true });
  // The change a PR makes: request IDs from github.com/google/uuid, titles from golang.org/x/text.
  const changed = path.join(work, 'changed');
  await fs.copyFile(path.join(repoRoot, '__tests__/fixtures/attribution/extra.go.txt'), path.join(changed, 'extra.go'));
  const main = await fs.readFile(path.join(changed, 'main.go'), 'utf8');
  await fs.writeFile(path.join(changed, 'main.go'), main.replace('fmt.Fprintln(w, greeting.For(r.URL.Query().Get("name")))', 'fmt.Fprintln(w, greeting.For(r.URL.Query().Get("name")), requestID())'));
  execFileSync('go', ['get', 'github.com/google/uuid@v1.6.0', 'golang.org/x/text@v0.42.0'], { cwd: changed, env: goCommand(changed).env, stdio: 'ignore' });
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('binary attribution on real builds of examples/hello', () => {
  it('attributes the binary to std and the main module, and names the modules a change adds', async () => {
    const base = await attributePackage(goCommand(path.join(work, 'base')), request);
    expect(base.mainModule).toBe('example.com/hello');
    expect(base.modules[0]!.module).toBe(STD);
    expect(base.modules.map((m) => m.module).sort()).toEqual(['(unattributed)', 'example.com/hello', 'std']);
    const hello = base.modules.find((m) => m.module === 'example.com/hello')!;
    expect(hello.bytes).toBeGreaterThan(1000);
    expect(hello.bytes).toBeLessThan(100_000);

    const changed = await attributePackage(goCommand(path.join(work, 'changed')), request);
    const grew = modulesThatGrew(compareAttributions(base, changed, 1024));
    const byModule = new Map(grew.map((g) => [g.module, g]));
    expect(byModule.get('golang.org/x/text')).toMatchObject({ status: 'new', before: 0, versionAfter: 'v0.42.0' });
    expect(byModule.get('github.com/google/uuid')).toMatchObject({ status: 'new', before: 0, versionAfter: 'v1.6.0' });
    expect(byModule.get('golang.org/x/text')!.after).toBeGreaterThan(50_000);

    // The shares are of real file bytes: their sum stays below the stripped binary's size.
    const stripped = path.join(work, 'stripped');
    execFileSync('go', ['build', '-trimpath', '-ldflags', '-s -w', '-tags', 'netgo,osusergo', '-o', stripped, '.'], {
      cwd: path.join(work, 'changed'),
      env: { ...goCommand(work).env, CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64' },
    });
    const { size } = await fs.stat(stripped);
    expect(changed.total).toBeLessThan(size);
    expect(changed.total).toBeGreaterThan(size / 3);
  });
});
