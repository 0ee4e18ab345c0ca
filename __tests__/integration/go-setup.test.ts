import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyGoCaches, errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { startCacheServer, type CacheServer } from '../helpers/cache-server.js';
import { GoMirror, hostGoArchive, mirrorReleases } from '../helpers/go-mirror.js';
import { helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/** PATH without the machine's Go, so the action has to install one. */
function pathWithoutGo(): string {
  const goBin = path.dirname(execFileSync('which', ['go'], { encoding: 'utf8' }).trim());
  return (process.env.PATH ?? '').split(path.delimiter).filter((dir) => path.resolve(dir) !== path.resolve(goBin)).join(path.delimiter);
}

function compileSeconds(run: ActionRun): number {
  return Number(/compile ([0-9.]+) s/.exec(run.summary)?.[1]);
}

describe('Go from a download mirror, through the action', () => {
  let s: Stack;
  let mirror: GoMirror;
  let toolCache: string;
  let workspace: string;
  const run = (extra: NodeJS.ProcessEnv = {}) =>
    runStep('main', {
      workspace,
      inputs: { image: uniqueRepository(s, 'hello-go'), 'working-directory': 'examples/hello', builder: s.builder, 'go-download-base-url': mirror.baseUrl, cache: 'false' },
      env: { ...s.env, PATH: `${s.toolsBin}${path.delimiter}${pathWithoutGo()}`, RUNNER_TOOL_CACHE: toolCache, ...extra },
    });

  beforeAll(async () => {
    s = stack();
    const host = hostGoArchive();
    mirror = await GoMirror.start();
    mirror.releases = mirrorReleases(host);
    mirror.serve(host.filename, host.file);
    toolCache = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-toolcache-'));
    workspace = await helloWorkspace();
  }, 300_000);

  afterAll(async () => {
    await mirror.close();
  });

  it('installs the newest patch of go.mod\'s go line, verified, then finds it in the tool cache', async () => {
    const first = await run();
    expect(errorAnnotations(first)).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.outputs['go-version']).toBe(hostGoArchive().goVersion.replace(/^go/, ''));
    expect(mirror.archiveRequests()).toBe(1);
    expect(first.stdout).toMatch(/Installed Go .* to .*gsi-toolcache-/);

    const second = await run();
    expect(second.exitCode).toBe(0);
    expect(mirror.archiveRequests()).toBe(1);
    expect(second.stdout).toContain('in the tool cache');
  }, 600_000);
});

describe('Go caches through the action and the cache service double', () => {
  let s: Stack;
  let server: CacheServer;
  let workspace: string;
  const cacheRoot = path.join(os.tmpdir(), `gsi-go-caches-${process.pid}`);
  const goCaches = () => emptyGoCaches(cacheRoot);
  const main = async (extra: NodeJS.ProcessEnv) =>
    runStep('main', {
      workspace,
      inputs: { image: uniqueRepository(s, 'hello-cache'), 'working-directory': 'examples/hello', builder: s.builder, 'ca-certificates': 'false' },
      env: { ...s.env, ...server.env, ...extra },
    });

  beforeAll(async () => {
    s = stack();
    server = await startCacheServer();
    workspace = await helloWorkspace();
  });

  afterAll(async () => {
    await server.close();
  });

  it('saves in post after a cold run, restores exactly on a fresh runner, and recompiles little after a one-line change', async () => {
    const cold = await main(await goCaches());
    expect(errorAnnotations(cold)).toEqual([]);
    expect(cold.outputs['go-cache-hit']).toBe('false');
    const post = await runStep('post', { workspace, previous: cold, env: { ...s.env, ...server.env } });
    expect(post.exitCode).toBe(0);
    expect(server.entries().filter((e) => e.finalized).map((e) => e.key)).toEqual([expect.stringContaining('gobuild')]);

    const warm = await main(await goCaches());
    expect(warm.exitCode).toBe(0);
    expect(warm.outputs['go-cache-hit']).toBe('true');

    const file = path.join(workspace, 'examples/hello/greeting/greeting.go');
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('hello, %s', 'hello there, %s'));
    const changed = await main(await goCaches());
    expect(changed.exitCode).toBe(0);
    console.log(`examples/hello compile: cold ${compileSeconds(cold)} s, warm ${compileSeconds(warm)} s, one-line change ${compileSeconds(changed)} s`);
    expect(compileSeconds(changed)).toBeLessThan(compileSeconds(cold));
  }, 600_000);
});
