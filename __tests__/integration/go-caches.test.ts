import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execCommand } from '../../src/exec.js';
import { planGoCaches, restoreGoCaches, saveGoCaches, type CacheLog, type GoCachePlanInputs } from '../../src/go/caches.js';
import { repoRoot } from '../helpers/action.js';
import { applyEnv, startCacheServer, type CacheServer } from '../helpers/cache-server.js';

/** A CacheLog that keeps what it was told. */
function recordingLog(): CacheLog & { infos: string[]; warnings: string[] } {
  const infos: string[] = [];
  const warnings: string[] = [];
  return { infos, warnings, info: (m) => infos.push(m), warning: (m) => warnings.push(m) };
}

/** Lines @actions/cache itself wrote to the runner (it reports through @actions/core, not our log). */
function captureStdout(): { lines: () => string[]; restore: () => void } {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return { lines: () => written.join('').split('\n'), restore: () => spy.mockRestore() };
}

jest.setTimeout(180_000);

describe('Go caches through a local cache service (protocol v2)', () => {
  let server: CacheServer;
  let restoreEnv: () => void;
  let root: string;
  let stdout: ReturnType<typeof captureStdout> | undefined;
  const times: Record<string, number> = {};

  beforeAll(async () => {
    server = await startCacheServer();
    restoreEnv = applyEnv(server.env);
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'go-caches-it-'));
    await fs.cp(path.join(repoRoot, 'examples/hello'), path.join(root, 'src'), { recursive: true });
  });

  afterEach(() => {
    stdout?.restore();
    stdout = undefined;
  });

  afterAll(async () => {
    restoreEnv();
    await server.close();
    await execCommand('chmod', ['-R', 'u+w', root]).catch(() => undefined);
    await fs.rm(root, { recursive: true, force: true });
    process.stderr.write(`go-caches build times (examples/hello, linux/amd64): ${JSON.stringify(times)}\n`);
  });

  const gocache = () => path.join(root, 'gocache');
  const gomodcache = () => path.join(root, 'gomodcache');
  const planInputs = (goSumHash: string): GoCachePlanInputs => ({
    runnerOs: 'Linux',
    runnerArch: 'X64',
    goVersion: '1.26',
    goSumHash,
    platforms: ['linux/amd64'],
    buildTags: ['netgo', 'osusergo'],
    flags: ['-trimpath', '-ldflags=-s -w -buildid='],
    gocache: gocache(),
    gomodcache: gomodcache(),
  });

  /** A fresh runner: no Go caches on disk. */
  const wipeCaches = async () => {
    await execCommand('chmod', ['-R', 'u+w', root]);
    await fs.rm(gocache(), { recursive: true, force: true });
    await fs.rm(gomodcache(), { recursive: true, force: true });
  };

  /** `go build -v` of examples/hello; returns the packages it compiled (cache misses) and seconds. */
  const goBuild = async (label: string, extra: string[] = [], pkg = '.'): Promise<string[]> => {
    const started = Date.now();
    const { stderr } = await execCommand(
      'go',
      ['build', '-v', '-trimpath', '-ldflags', '-s -w -buildid=', '-tags', 'netgo,osusergo', ...extra, '-o', path.join(root, pkg === '.' ? 'hello' : 'lib'), pkg],
      {
        cwd: path.join(root, 'src'),
        env: { ...process.env, GOCACHE: gocache(), GOMODCACHE: gomodcache(), CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64', GOFLAGS: '', GOTOOLCHAIN: 'local' },
      },
    );
    times[label] = (Date.now() - started) / 1000;
    return stderr.split('\n').map((s) => s.trim()).filter(Boolean);
  };

  it('cold build and save, then a fresh runner restores an exact hit and builds from the cache', async () => {
    stdout = captureStdout();
    const plan = planGoCaches(planInputs('sum1'));
    const log = recordingLog();

    const cold = await restoreGoCaches(plan, log);
    expect(cold.build).toMatchObject({ hit: false, restoredKey: '' });
    const coldCompiled = await goBuild('cold');
    expect(coldCompiled).toContain('runtime');
    // Entries the next builds will not use (greeting compiled with other flags): trimming must drop them later.
    await goBuild('extra entries', ['-gcflags=-N'], './greeting');

    let mark = Date.now();
    const saved = await saveGoCaches(cold, log, { eventName: 'push', saveMode: 'auto' });
    times.save = (Date.now() - mark) / 1000;
    expect(saved).toMatchObject({ build: true, module: false }); // hello has no dependencies: GOMODCACHE stays empty
    expect(server.entries().map((e) => e.key)).toEqual([plan.build.key]);
    expect(log.warnings).toEqual([]);

    await wipeCaches();
    mark = Date.now();
    const warm = await restoreGoCaches(plan, log);
    times.restore = (Date.now() - mark) / 1000;
    expect(warm.build).toMatchObject({ hit: true, restoredKey: plan.build.key });
    const warmCompiled = await goBuild('warm');
    expect(warmCompiled).not.toContain('runtime');
    expect(warmCompiled).not.toContain('net/http');

    // An exact hit saves nothing.
    server.resetCounts();
    expect(await saveGoCaches(warm, log, { eventName: 'push', saveMode: 'auto' })).toEqual({ module: false, build: false });
    expect(server.requests['twirp:CreateCacheEntry'] ?? 0).toBe(0);

    // One changed line on a fresh runner: only that package and main are compiled again.
    await wipeCaches();
    await restoreGoCaches(plan, log);
    const greeting = path.join(root, 'src/greeting/greeting.go');
    await fs.writeFile(greeting, (await fs.readFile(greeting, 'utf8')).replace('hello, %s', 'hi, %s'));
    const changedCompiled = await goBuild('one-line change');
    expect(changedCompiled.sort()).toEqual(['example.com/hello', 'example.com/hello/greeting']);
    expect(log.warnings).toEqual([]);
  });

  it('after a go.sum change restores the older cache by prefix, trims what the run did not use, and saves under the new key', async () => {
    stdout = captureStdout();
    const log = recordingLog();
    const plan = planGoCaches(planInputs('sum2'));
    await wipeCaches();

    const state = await restoreGoCaches(plan, log);
    expect(state.build.hit).toBe(false);
    expect(state.build.restoredIntoEmpty).toBe(true);
    expect(state.build.restoredKey).toBe(planGoCaches(planInputs('sum1')).build.key);
    // The sources still carry the first test's one-line change, which the older cache never saw.
    expect((await goBuild('after go.sum change (fallback restore)')).sort()).toEqual(['example.com/hello', 'example.com/hello/greeting']);

    const saved = await saveGoCaches(state, log, { eventName: 'push', saveMode: 'auto' });
    expect(saved.build).toBe(true);
    expect(saved.trimmed?.removed).toBeGreaterThan(0); // greeting built with -gcflags=-N
    expect(server.entries().map((e) => e.key)).toContain(plan.build.key);

    // The trimmed cache still holds everything the build needs.
    await wipeCaches();
    const again = await restoreGoCaches(plan, log);
    expect(again.build.hit).toBe(true);
    const compiled = await goBuild('from trimmed cache');
    expect(compiled).not.toContain('runtime');
    expect(log.warnings).toEqual([]);
  });

  it('a service that answers 500 costs warnings, never an exception', async () => {
    stdout = captureStdout();
    const log = recordingLog();
    const plan = planGoCaches(planInputs('sum3'));
    server.setMode('error');
    server.resetCounts();
    const state = { version: 1 as const, runStartMs: Date.now(), module: { path: gomodcache(), key: 'go-slim-image-test-mod', restoredKey: '', hit: false }, build: { path: gocache(), key: 'go-slim-image-test-build', restoredKey: '', hit: false } };
    await fs.mkdir(path.join(gocache(), '00'), { recursive: true });
    await fs.writeFile(path.join(gocache(), 'README'), 'x');

    const [restored, saved] = await Promise.all([
      restoreGoCaches(plan, log),
      saveGoCaches(state, log, { eventName: 'push', saveMode: 'always', timeouts: { lookupMs: 2000 } }),
    ]);
    server.setMode('ok');

    expect(restored.build).toMatchObject({ hit: false, restoredKey: '' });
    expect(restored.module).toMatchObject({ hit: false, restoredKey: '' });
    expect(saved).toMatchObject({ build: false });
    // @actions/cache retried each lookup 5 times, then gave up with its own warning.
    expect(server.requests['twirp:GetCacheEntryDownloadURL']).toBeGreaterThanOrEqual(10);
    expect(server.requests['twirp:CreateCacheEntry']).toBeGreaterThanOrEqual(5);
    expect(stdout.lines().some((line) => line.startsWith('::warning::Failed to restore'))).toBe(true);
    expect(log.warnings.some((w) => w.includes('Go build cache was not saved'))).toBe(true);
  });

  it('a service that hangs costs a warning after the timeout, never an exception', async () => {
    stdout = captureStdout();
    const log = recordingLog();
    const plan = planGoCaches(planInputs('sum4'));
    server.setMode('hang');
    const timeouts = { lookupMs: 1500, transferMs: 3000 };
    const started = Date.now();

    const state = await restoreGoCaches(plan, log, { timeouts });
    expect(state.build).toMatchObject({ hit: false, restoredKey: '' });
    expect(log.warnings.filter((w) => w.includes('did not answer within 1.5 s'))).toHaveLength(2);

    const saved = await saveGoCaches(state, log, { eventName: 'push', saveMode: 'auto', timeouts });
    expect(saved.build).toBe(false);
    expect(log.warnings.some((w) => w.includes('Go build cache was not saved: the upload did not finish within 3 s'))).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);

    server.dropConnections();
    server.setMode('ok');
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the abandoned requests fail quietly
  });
});

describe('Go caches through a cache service that stores keys in lower case (as act does)', () => {
  let server: CacheServer;
  let restoreEnv: () => void;
  let root: string;
  let stdout: ReturnType<typeof captureStdout> | undefined;

  beforeAll(async () => {
    server = await startCacheServer({ lowerCaseKeys: true });
    restoreEnv = applyEnv(server.env);
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'go-caches-lower-'));
  });

  afterEach(() => {
    stdout?.restore();
    stdout = undefined;
  });

  afterAll(async () => {
    restoreEnv();
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const plan = () =>
    planGoCaches({
      runnerOs: 'Linux',
      runnerArch: 'X64',
      goVersion: '1.26',
      goSumHash: 'Sum1',
      platforms: ['linux/amd64'],
      buildTags: ['netgo'],
      flags: [],
      gocache: path.join(root, 'gocache'),
      gomodcache: path.join(root, 'gomodcache'),
    });

  /** A fresh runner whose build cache then gets one entry, as a build would leave it. */
  const freshCaches = async () => {
    await fs.rm(root, { recursive: true, force: true });
    await fs.mkdir(path.join(root, 'gomodcache'), { recursive: true });
    await fs.mkdir(path.join(root, 'gocache/ab'), { recursive: true });
  };
  const buildOneEntry = () => fs.writeFile(path.join(root, 'gocache/ab/abcdef-a'), 'v1 entry\n');

  it('counts the lower-cased key as an exact hit: nothing trimmed, nothing uploaded again', async () => {
    stdout = captureStdout();
    const log = recordingLog();
    const { build } = plan();
    expect(build.key).toMatch(/[A-Z]/); // Linux, X64: the case really differs

    await freshCaches();
    const cold = await restoreGoCaches(plan(), log);
    await buildOneEntry();
    expect((await saveGoCaches(cold, log, { eventName: 'push', saveMode: 'auto' })).build).toBe(true);
    expect(server.entries().map((e) => e.key)).toEqual([build.key.toLowerCase()]);

    await freshCaches();
    const warm = await restoreGoCaches(plan(), log);
    expect(warm.build).toMatchObject({ hit: true, restoredKey: build.key.toLowerCase() });
    server.resetCounts();
    expect(await saveGoCaches(warm, log, { eventName: 'push', saveMode: 'auto' })).toEqual({ module: false, build: false });
    expect(server.requests['twirp:CreateCacheEntry'] ?? 0).toBe(0);
    expect(log.warnings).toEqual([]);
  });

  it('recognizes the entry another job saved under the lower-cased key', async () => {
    stdout = captureStdout();
    const log = recordingLog();
    const { build } = plan();
    await freshCaches();
    await buildOneEntry();
    // A run that restored nothing (say the lookup failed) and saves a key that is already there.
    const state = { version: 1 as const, runStartMs: Date.now(), module: { path: path.join(root, 'gomodcache'), key: plan().module.key, restoredKey: '', hit: false }, build: { path: build.path, key: build.key, restoredKey: '', hit: false } };
    expect((await saveGoCaches(state, log, { eventName: 'push', saveMode: 'auto' })).build).toBe(false);
    expect(log.infos).toContain(`Go build cache: ${build.key} was saved by another job.`);
    expect(log.warnings).toEqual([]);
  });
});

describe("Go caches on a self-hosted runner whose GOCACHE is the machine's own", () => {
  let server: CacheServer;
  let restoreEnv: () => void;
  let root: string;
  let stdout: ReturnType<typeof captureStdout> | undefined;

  beforeAll(async () => {
    server = await startCacheServer();
    restoreEnv = applyEnv(server.env);
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'go-caches-own-'));
  });
  afterEach(() => {
    stdout?.restore();
    stdout = undefined;
  });
  afterAll(async () => {
    restoreEnv();
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const gocache = () => path.join(root, 'gocache');
  const plan = (goSumHash: string) =>
    planGoCaches({ runnerOs: 'Linux', runnerArch: 'X64', goVersion: '1.26', goSumHash, platforms: ['linux/amd64'], buildTags: [], flags: [], gocache: gocache(), gomodcache: path.join(root, 'mod') });
  const entry = async (name: string, text: string, ageMs = 0) => {
    const file = path.join(gocache(), name.slice(0, 2), name);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
    const when = new Date(Date.now() - ageMs);
    await fs.utimes(file, when, when);
    return file;
  };

  it('restores into it but trims nothing of it; a fresh runner still trims', async () => {
    stdout = captureStdout();
    const log = recordingLog();
    // An earlier job on GitHub's runners saved a cache under an older go.sum.
    await entry('ab12-a', 'cached by an earlier job\n');
    const seeded = await restoreGoCaches(plan('sumA'), log);
    expect((await saveGoCaches(seeded, log, { eventName: 'push', saveMode: 'auto' })).build).toBe(true);

    // This machine keeps its own GOCACHE between jobs, with entries no run of ours made.
    await fs.rm(gocache(), { recursive: true, force: true });
    const own = await entry('cd34-a', "the machine's own entry\n", 365 * 24 * 3600_000);
    const state = await restoreGoCaches(plan('sumB'), log);
    expect(state.build).toMatchObject({ hit: false, restoredIntoEmpty: false, restoredKey: plan('sumA').build.key });
    const saved = await saveGoCaches(state, log, { eventName: 'push', saveMode: 'auto' });
    expect(saved.trimmed).toBeUndefined();
    await expect(fs.readFile(own, 'utf8')).resolves.toContain("machine's own");
    expect(log.infos.some((m) => m.includes('not trimmed') && m.includes("this machine's own cache"))).toBe(true);

    // The same restore into an empty folder (a fresh hosted runner) trims what the run did not use.
    await fs.rm(gocache(), { recursive: true, force: true });
    const fresh = await restoreGoCaches(plan('sumC'), log);
    expect(fresh.build.restoredIntoEmpty).toBe(true);
    const trimmed = await saveGoCaches(fresh, log, { eventName: 'push', saveMode: 'auto' });
    expect(trimmed.trimmed?.removed).toBeGreaterThan(0);
    expect(log.warnings).toEqual([]);
  });
});
