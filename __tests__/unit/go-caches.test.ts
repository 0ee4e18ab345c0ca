import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  backdateBuildCache,
  buildCacheKey,
  hashGoSums,
  moduleCacheKey,
  parseCacheState,
  planGoCaches,
  restoreKeys,
  sameCacheKey,
  shouldSave,
  trimBuildCache,
  type BuildCacheKeyInputs,
  type CacheSaveMode,
} from '../../src/go/caches.js';

const base: BuildCacheKeyInputs = {
  runnerOs: 'Linux',
  runnerArch: 'X64',
  goVersion: '1.26.8',
  goSumHash: 'aaaa1111',
  platforms: ['linux/amd64'],
  buildTags: ['netgo', 'osusergo'],
  flags: ['-trimpath', '-ldflags=-s -w -buildid='],
};

describe('cache keys', () => {
  it('give each platform set its own build cache but one shared module cache', () => {
    const arm = { ...base, platforms: ['linux/arm64'] };
    expect(buildCacheKey(base)).not.toBe(buildCacheKey(arm));
    expect(restoreKeys(base)).not.toEqual(restoreKeys(arm));
    expect(moduleCacheKey(base)).toBe(moduleCacheKey(arm));
  });

  it('ignore the order of platforms and build tags', () => {
    const a = { ...base, platforms: ['linux/amd64', 'linux/arm64'], buildTags: ['a', 'b'] };
    const b = { ...base, platforms: ['linux/arm64', 'linux/amd64'], buildTags: ['b', 'a'] };
    expect(buildCacheKey(a)).toBe(buildCacheKey(b));
  });

  it.each([
    ['build tags', { buildTags: ['netgo'] }],
    ['flags', { flags: ['-trimpath'] }],
    ['Go version', { goVersion: '1.26.9' }],
    ['runner arch', { runnerArch: 'ARM64' }],
  ])('change the build key when the %s change', (_name, change) => {
    expect(buildCacheKey({ ...base, ...change })).not.toBe(buildCacheKey(base));
  });

  it('change with go.sum while the restore prefixes still match the older key', () => {
    const older = buildCacheKey(base);
    const newer = { ...base, goSumHash: 'bbbb2222' };
    expect(buildCacheKey(newer)).not.toBe(older);
    expect(moduleCacheKey(newer)).not.toBe(moduleCacheKey(base));
    const prefixes = restoreKeys(newer);
    expect(prefixes.length).toBeGreaterThan(0);
    expect(older.startsWith(prefixes[0]!)).toBe(true);
    // Other flags (an ldflags -X per commit) still fall back to the same platforms' cache.
    expect(buildCacheKey({ ...base, flags: ['-ldflags=-X main.v=2'] }).startsWith(prefixes[1]!)).toBe(true);
    // ...but never to another platform set's.
    expect(buildCacheKey({ ...base, platforms: ['linux/arm64'] }).startsWith(prefixes.at(-1)!)).toBe(false);
  });

  it('are valid cache keys: no commas, under 512 characters, even for many platforms', () => {
    const many = { ...base, platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6', 'linux/386', 'linux/ppc64le', 'linux/s390x', 'linux/riscv64'], flags: ['-ldflags=a,b'] };
    for (const key of [buildCacheKey(many), moduleCacheKey(many), ...restoreKeys(many)]) {
      expect(key).not.toContain(',');
      expect(key.length).toBeLessThan(512);
    }
  });

  it('plan the module cache without restore keys and the build cache with them', () => {
    const plan = planGoCaches({ ...base, gocache: '/c/build', gomodcache: '/c/mod' });
    expect(plan.module).toEqual({ path: '/c/mod', key: moduleCacheKey(base), restoreKeys: [] });
    expect(plan.build).toEqual({ path: '/c/build', key: buildCacheKey(base), restoreKeys: restoreKeys(base) });
  });

  // Where `go env` puts the caches on the hosted macOS and Windows runners: the plan keeps the folders
  // Go reports (it never builds them from HOME) and keys them by the runner's OS and arch.
  it.each([
    ['macOS', 'macOS', 'ARM64', '/Users/runner/Library/Caches/go-build', '/Users/runner/go/pkg/mod'],
    ['Windows', 'Windows', 'X64', 'C:\\Users\\runneradmin\\AppData\\Local\\go-build', 'C:\\Users\\runneradmin\\go\\pkg\\mod'],
  ])('keeps the %s runner\'s cache folders as go env reports them', (_name, runnerOs, runnerArch, gocache, gomodcache) => {
    const inputs = { ...base, runnerOs, runnerArch };
    const plan = planGoCaches({ ...inputs, gocache, gomodcache });
    expect(plan.build.path).toBe(gocache);
    expect(plan.module.path).toBe(gomodcache);
    expect(plan.build.key).toContain(runnerOs);
    expect(plan.build.key).not.toBe(buildCacheKey(base));
  });
});

describe('shouldSave', () => {
  it.each<[string, CacheSaveMode, boolean]>([
    ['push', 'auto', true],
    ['pull_request', 'auto', false],
    ['pull_request_target', 'auto', false],
    ['workflow_dispatch', 'auto', true],
    ['push', 'always', true],
    ['pull_request', 'always', true],
    ['push', 'never', false],
    ['pull_request', 'never', false],
  ])('%s with cache-save %s -> %s', (event, mode, expected) => {
    expect(shouldSave(event, mode)).toBe(expected);
  });
});

describe('files on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'go-caches-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const write = async (relative: string, text = 'x', mtimeMs?: number) => {
    const file = path.join(dir, relative);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
    if (mtimeMs !== undefined) await fs.utimes(file, new Date(mtimeMs), new Date(mtimeMs));
  };
  const exists = (relative: string) => fs.access(path.join(dir, relative)).then(() => true, () => false);

  it('hashGoSums hashes every go.sum, and go.mod when there is none', async () => {
    await write('go.mod', 'module a\n');
    const modOnly = await hashGoSums(dir);
    await write('go.mod', 'module a\n\ngo 1.26\n');
    expect(await hashGoSums(dir)).not.toBe(modOnly);
    await write('go.sum', 'x v1 h1:a\n');
    const one = await hashGoSums(dir);
    await write('go.mod', 'module a // go.mod no longer counts\n');
    expect(await hashGoSums(dir)).toBe(one);
    await write('tools/go.sum', 'y v1 h1:b\n');
    const two = await hashGoSums(dir);
    expect(two).not.toBe(one);
    await write('node_modules/x/go.sum', 'ignored\n');
    expect(await hashGoSums(dir)).toBe(two);
  });

  it('trimBuildCache deletes untouched entries, keeps touched ones and never README or trim.txt', async () => {
    const runStart = Date.now();
    const old = runStart - 2 * 3600_000;
    await write('README', 'go', old);
    await write('trim.txt', '1700000000', old);
    await write('testexpire.txt', '1', old);
    await write('fuzz/example.com/x/corpus', 'c', old);
    await write('0a/0a11-a', 'untouched action', old);
    await write('0a/0a11-d', 'untouched output', old);
    await write('0b/0b22-a', 'touched action', runStart + 1000);
    await write('0b/0b22-d', 'created this run');
    await write('0c/0c33-d/exe', 'cached executable (a folder entry)');
    await fs.utimes(path.join(dir, '0c/0c33-d'), new Date(old), new Date(old));

    const result = await trimBuildCache(dir, runStart);

    expect(result).toEqual({ removed: 3, kept: 2, removedBytes: 'untouched action'.length + 'untouched output'.length });
    for (const kept of ['README', 'trim.txt', 'testexpire.txt', 'fuzz/example.com/x/corpus', '0b/0b22-a', '0b/0b22-d']) expect(await exists(kept)).toBe(true);
    for (const gone of ['0a/0a11-a', '0a/0a11-d', '0c/0c33-d']) expect(await exists(gone)).toBe(false);
  });

  it('backdateBuildCache dates only cache entries', async () => {
    await write('README');
    await write('0a/0a11-a');
    await write('0a/0a11-d');
    const when = Date.now() - 7200_000;
    expect(await backdateBuildCache(dir, when)).toBe(2);
    // file systems round mtimes to their own resolution
    expect(Math.abs((await fs.stat(path.join(dir, '0a/0a11-a'))).mtimeMs - when)).toBeLessThan(1);
    expect((await fs.stat(path.join(dir, 'README'))).mtimeMs).toBeGreaterThan(when);
  });

  it('trimBuildCache on a missing folder removes nothing', async () => {
    expect(await trimBuildCache(path.join(dir, 'none'), Date.now())).toEqual({ removed: 0, kept: 0, removedBytes: 0 });
  });
});

describe('parseCacheState', () => {
  it('reads back what main stored and refuses anything else', () => {
    const state = {
      version: 1 as const,
      runStartMs: 1,
      module: { path: '/m', key: 'k', restoredKey: '', hit: false },
      build: { path: '/b', key: 'k2', restoredKey: 'k2', hit: true },
    };
    expect(parseCacheState(JSON.stringify(state))).toEqual(state);
    expect(parseCacheState('')).toBeUndefined();
    expect(parseCacheState('not json')).toBeUndefined();
    expect(parseCacheState('{"version":2}')).toBeUndefined();
  });
});

describe('sameCacheKey', () => {
  it.each([
    ['go-slim-image-v1-gobuild-Linux-X64-go1.26.0', 'go-slim-image-v1-gobuild-Linux-X64-go1.26.0', true],
    ['go-slim-image-v1-gobuild-linux-x64-go1.26.0', 'go-slim-image-v1-gobuild-Linux-X64-go1.26.0', true], // act's cache server
    ['GO-SLIM-IMAGE-V1', 'go-slim-image-v1', true],
    ['go-slim-image-v1-gobuild-Linux-X64-', 'go-slim-image-v1-gobuild-Linux-X64-go1.26.0', false], // a restore-key prefix
    ['go-slim-image-v1-gobuild-Linux-X64-go1.26.0-x', 'go-slim-image-v1-gobuild-Linux-X64-go1.26.0', false],
    ['café', 'cafe', false], // accents still count, as in actions/cache
    ['', 'key', false],
    [undefined, 'key', false],
  ])('%j against %j → %s', (restored, key, same) => {
    expect(sameCacheKey(restored, key)).toBe(same);
  });
});
