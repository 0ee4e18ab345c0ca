import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors.js';

type CacheModule = typeof import('@actions/cache');
let cacheModule: Promise<CacheModule> | undefined;
/**
 * @actions/cache, with the Azure storage SDK it brings (a third of the bundle), is loaded only when
 * the runner offers the cache service, so a run without it does not pay for compiling it.
 */
async function cacheService(): Promise<CacheModule | undefined> {
  if (!process.env.ACTIONS_CACHE_URL && !process.env.ACTIONS_RESULTS_URL) return undefined;
  const cache = await (cacheModule ??= import('@actions/cache'));
  return cache.isFeatureAvailable() ? cache : undefined;
}

/**
 * Go's module cache (GOMODCACHE) and build cache (GOCACHE) kept in the Actions cache service.
 *
 * Keys are pure functions of the run (below); restore and save go through @actions/cache and
 * never throw: a missing, failing or hanging service costs a warning, never the build.
 */

/** Where this module reports to; the Reporter satisfies it. */
export interface CacheLog {
  info(message: string): void;
  warning(message: string): void;
}

/** Bumped when the layout of a cache changes, so old entries are never restored into a new layout. */
const KEY_PREFIX = 'go-slim-image-v1';

/** What the module cache depends on. It is shared by every matrix leg, so no platform here. */
export interface ModuleCacheKeyInputs {
  /** RUNNER_OS (Linux, macOS, Windows) or the Node platform name off a runner. */
  runnerOs: string;
  goVersion: string;
  /** hashGoSums() of the working directory. */
  goSumHash: string;
}

/** What the build cache depends on besides the module cache's inputs. */
export interface BuildCacheKeyInputs extends ModuleCacheKeyInputs {
  /** RUNNER_ARCH (X64, ARM64): the compiler binary is part of every build action ID. */
  runnerArch: string;
  /** Target platforms as os/arch[/variant]; order does not matter. */
  platforms: readonly string[];
  /** Build tags; order does not matter. */
  buildTags: readonly string[];
  /** Every other flag that changes compiler or linker actions (-trimpath, -ldflags, GOFLAGS). */
  flags: readonly string[];
}

function sha256(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A key segment without the characters the cache service refuses (commas) or that read badly. */
function segment(text: string): string {
  return text.replace(/[^A-Za-z0-9._]+/g, '_');
}

/** `go-slim-image-v1-gomod-Linux-go1.26.0-<go.sum hash>` */
export function moduleCacheKey(inputs: ModuleCacheKeyInputs): string {
  return `${KEY_PREFIX}-gomod-${segment(inputs.runnerOs)}-go${segment(inputs.goVersion)}-${inputs.goSumHash}`;
}

/** Platforms as one readable segment (`linux_amd64+linux_arm64`), hashed when the list is long. */
function platformsSegment(platforms: readonly string[]): string {
  const readable = [...new Set(platforms)].sort().map(segment).join('+');
  return readable.length <= 80 ? readable : `p${sha256(readable, 16)}`;
}

/** Everything before the go.sum hash: the build cache's configuration. */
function buildCachePrefixes(inputs: BuildCacheKeyInputs): { platforms: string; config: string } {
  const flags = JSON.stringify({ tags: [...new Set(inputs.buildTags)].sort(), flags: inputs.flags });
  const platforms = `${KEY_PREFIX}-gobuild-${segment(inputs.runnerOs)}-${segment(inputs.runnerArch)}-go${segment(inputs.goVersion)}-${platformsSegment(inputs.platforms)}-`;
  return { platforms, config: `${platforms}${sha256(flags, 12)}-` };
}

/** `go-slim-image-v1-gobuild-Linux-X64-go1.26.0-linux_amd64-<flags hash>-<go.sum hash>` */
export function buildCacheKey(inputs: BuildCacheKeyInputs): string {
  return `${buildCachePrefixes(inputs).config}${inputs.goSumHash}`;
}

/**
 * Prefixes that restore the nearest older build cache when the primary key misses: first the
 * same platforms and flags (go.sum changed), then the same platforms with other flags (say an
 * ldflags -X that changes per commit: the compiled packages are still valid). Entries this run
 * does not use are trimmed before the next save, so a fallback never makes the cache grow.
 */
export function restoreKeys(inputs: BuildCacheKeyInputs): string[] {
  const prefixes = buildCachePrefixes(inputs);
  return [prefixes.config, prefixes.platforms];
}

/** Folders a go.sum search never enters. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

async function findFiles(root: string, name: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(path.join(dir, entry.name));
      } else if (entry.isFile() && entry.name === name) {
        found.push(path.join(dir, entry.name));
      }
    }
  };
  await walk(root);
  return found.map((file) => path.relative(root, file)).sort();
}

/**
 * A hash of every go.sum under `workingDirectory` (of every go.mod when there is no go.sum, as in
 * a module without dependencies): names and contents, so moving or editing one changes it.
 */
export async function hashGoSums(workingDirectory: string): Promise<string> {
  let files = await findFiles(workingDirectory, 'go.sum');
  if (files.length === 0) files = await findFiles(workingDirectory, 'go.mod');
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file.split(path.sep).join('/')}\0`);
    hash.update(await fs.readFile(path.join(workingDirectory, file)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * Whether the key a restore returned is `key`. Case-insensitive, as actions/cache's isExactKeyMatch
 * (`localeCompare` with `sensitivity: 'accent'`): act's cache server, and others built on it, store
 * keys in lower case, and a case-sensitive test would count every exact hit as a near miss.
 */
export function sameCacheKey(restored: string | undefined, key: string): boolean {
  return !!restored && restored.localeCompare(key, undefined, { sensitivity: 'accent' }) === 0;
}

/** One cache to restore: where it lives and what to look for. */
export interface CacheTarget {
  path: string;
  key: string;
  restoreKeys: string[];
}

export interface GoCachePlan {
  module: CacheTarget;
  build: CacheTarget;
}

/** Everything planGoCaches needs; the paths come from `go env GOCACHE GOMODCACHE`. */
export interface GoCachePlanInputs extends BuildCacheKeyInputs {
  gocache: string;
  gomodcache: string;
}

/** The keys and paths of both caches (pure). */
export function planGoCaches(inputs: GoCachePlanInputs): GoCachePlan {
  return {
    module: { path: inputs.gomodcache, key: moduleCacheKey(inputs), restoreKeys: [] },
    build: { path: inputs.gocache, key: buildCacheKey(inputs), restoreKeys: restoreKeys(inputs) },
  };
}

/** What main hands to post about one cache (JSON-serializable). */
export interface CacheEntryState {
  path: string;
  /** The primary key: what a save writes. */
  key: string;
  /** The key the restore matched (primary or a restore-key prefix), or '' when nothing was restored. */
  restoredKey: string;
  /** True when the primary key matched exactly: nothing new to save. */
  hit: boolean;
  /**
   * True when the folder was empty (or absent) before the restore, so everything in it came from
   * the cache or from this run. Only such a build cache is trimmed: on a self-hosted runner the
   * folder may be the machine's own cache, which is not this run's to prune.
   */
  restoredIntoEmpty?: boolean;
}

/** What main hands to post (store with saveState(JSON.stringify(state)), read with parseCacheState). */
export interface CacheState {
  version: 1;
  /** When main began restoring (ms since the epoch); build-cache entries older than this were not used. */
  runStartMs: number;
  module: CacheEntryState;
  build: CacheEntryState;
}

/** Reads the state main saved; undefined when it is absent or not ours (caches were off). */
export function parseCacheState(text: string): CacheState | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<CacheState>;
    if (value.version !== 1 || typeof value.runStartMs !== 'number' || !value.module || !value.build) return undefined;
    return value as CacheState;
  } catch {
    return undefined;
  }
}

export type CacheSaveMode = 'auto' | 'always' | 'never';
export const CACHE_SAVE_MODES: readonly CacheSaveMode[] = ['auto', 'always', 'never'];

/** Events whose caches would land in a pull request's own scope, where no later run reads them. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

/**
 * Whether this run writes caches: `auto` saves everywhere but on pull requests (which read the
 * default branch's caches instead), `always` and `never` mean what they say.
 */
export function shouldSave(eventName: string, saveMode: CacheSaveMode): boolean {
  if (saveMode === 'never') return false;
  if (saveMode === 'always') return true;
  return !PULL_REQUEST_EVENTS.has(eventName);
}

/** How long the cache service may take before the build goes on without it. */
export interface CacheTimeouts {
  /** Finding an entry (one small request, retried by @actions/cache on 5xx for about 30 s). */
  lookupMs: number;
  /** Downloading and unpacking, or packing and uploading, one cache. */
  transferMs: number;
}

export const DEFAULT_TIMEOUTS: CacheTimeouts = { lookupMs: 60_000, transferMs: 10 * 60_000 };

const TIMED_OUT = Symbol('timed out');

/** Settles with `task`'s value, or with TIMED_OUT after `ms` (the task itself cannot be cancelled). */
async function withTimeout<T>(task: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([task, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Go refreshes an entry's mtime only when it is at least an hour old (cmd/go/internal/cache markUsed). */
const GO_MTIME_INTERVAL_MS = 60 * 60_000;
/** Restored entries are dated this far before the run, so every use this run refreshes them. */
const BACKDATE_MS = 2 * GO_MTIME_INTERVAL_MS;

/** A GOCACHE subfolder: two hex digits. Everything else (README, trim.txt, fuzz/) is never touched. */
const ENTRY_DIR = /^[0-9a-f]{2}$/;
/** A GOCACHE entry: `<hex>-a` (action) or `<hex>-d` (output, a folder for a cached executable). */
const ENTRY_FILE = /^[0-9a-f]+-[ad]$/;

async function forEachEntry(gocache: string, visit: (entry: string) => Promise<void>): Promise<void> {
  let dirs: string[];
  try {
    dirs = (await fs.readdir(gocache)).filter((name) => ENTRY_DIR.test(name));
  } catch {
    return;
  }
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await fs.readdir(path.join(gocache, dir));
    } catch {
      continue;
    }
    for (const name of names) if (ENTRY_FILE.test(name)) await visit(path.join(gocache, dir, name));
  }
}

/** Dates every build-cache entry to `whenMs`; run right after a restore. Returns the count. */
export async function backdateBuildCache(gocache: string, whenMs: number): Promise<number> {
  const when = new Date(whenMs);
  let count = 0;
  await forEachEntry(gocache, async (entry) => {
    await fs.utimes(entry, when, when).then(() => count++, () => undefined);
  });
  return count;
}

export interface TrimResult {
  removed: number;
  kept: number;
  removedBytes: number;
}

/**
 * Deletes build-cache entries whose mtime is still before `runStartMs`: restored entries were
 * dated two hours back, and Go refreshes the mtime of every entry it uses, so these are the ones
 * this run did not use. Only `xx/<hex>-a|-d` entries are considered.
 */
export async function trimBuildCache(gocache: string, runStartMs: number): Promise<TrimResult> {
  const result: TrimResult = { removed: 0, kept: 0, removedBytes: 0 };
  await forEachEntry(gocache, async (entry) => {
    const info = await fs.stat(entry).catch(() => undefined);
    if (!info) return;
    if (info.mtimeMs >= runStartMs) {
      result.kept++;
      return;
    }
    await fs.rm(entry, { recursive: true, force: true });
    result.removed++;
    result.removedBytes += info.isFile() ? info.size : 0;
  });
  return result;
}

const NAMES = { module: 'Go module cache', build: 'Go build cache' } as const;

async function restoreOne(cache: CacheModule, name: string, target: CacheTarget, log: CacheLog, timeouts: CacheTimeouts): Promise<CacheEntryState> {
  const state: CacheEntryState = { path: target.path, key: target.key, restoredKey: '', hit: false, restoredIntoEmpty: await isEmptyCacheDir(target.path) };
  try {
    // A lookup first, under a short timeout, so a hanging service costs a minute, not the transfer budget.
    const found = await withTimeout(cache.restoreCache([target.path], target.key, target.restoreKeys, { lookupOnly: true }), timeouts.lookupMs);
    if (found === TIMED_OUT) {
      log.warning(`The ${name} was not restored: the cache service did not answer within ${timeouts.lookupMs / 1000} s. Building without it.`);
      return state;
    }
    if (!found) {
      log.info(`${name}: nothing restored for ${target.key}`);
      return state;
    }
    const restored = await withTimeout(cache.restoreCache([target.path], target.key, target.restoreKeys), timeouts.transferMs);
    if (restored === TIMED_OUT) {
      log.warning(`The ${name} was not restored: the download did not finish within ${timeouts.transferMs / 1000} s. Building without it.`);
      return state;
    }
    if (!restored) {
      log.info(`${name}: nothing restored for ${target.key}`);
      return state;
    }
    state.restoredKey = restored;
    state.hit = sameCacheKey(restored, target.key);
    log.info(`${name}: restored ${restored}${state.hit ? '' : ` (nearest to ${target.key})`}`);
  } catch (error) {
    log.warning(`The ${name} was not restored: ${errorMessage(error)}. Building without it.`);
  }
  return state;
}

export interface CacheOptions {
  timeouts?: Partial<CacheTimeouts>;
  /** The run's start; defaults to now. */
  nowMs?: number;
}

/**
 * Restores both caches (in parallel) and returns the state post needs. Never throws. Restored
 * build-cache entries are dated two hours back so trimBuildCache can tell which ones this run used.
 * Call it before any go command that may download modules (`go list`, `go build`).
 */
export async function restoreGoCaches(plan: GoCachePlan, log: CacheLog, options: CacheOptions = {}): Promise<CacheState> {
  const runStartMs = options.nowMs ?? Date.now();
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const empty = (target: CacheTarget): CacheEntryState => ({ path: target.path, key: target.key, restoredKey: '', hit: false });
  let cache: CacheModule | undefined;
  try {
    cache = await cacheService();
    if (!cache) {
      log.info('Go caches: the Actions cache service is not available here; building without them.');
      return { version: 1, runStartMs, module: empty(plan.module), build: empty(plan.build) };
    }
  } catch (error) {
    // Runners that stand in for GitHub's (local-action) may not offer the probe at all.
    log.warning(`Go caches: could not tell whether the Actions cache service is available (${errorMessage(error)}); building without them.`);
    return { version: 1, runStartMs, module: empty(plan.module), build: empty(plan.build) };
  }
  const [module, build] = await Promise.all([
    restoreOne(cache, NAMES.module, plan.module, log, timeouts),
    restoreOne(cache, NAMES.build, plan.build, log, timeouts),
  ]);
  // Only a cache that will be trimmed needs the dates (see saveGoCaches).
  if (build.restoredKey && build.restoredIntoEmpty) {
    try {
      await backdateBuildCache(build.path, runStartMs - BACKDATE_MS);
    } catch (error) {
      // Without the dates, trimming could drop entries this run used: do not trim, save as is.
      log.warning(`Could not re-date the restored Go build cache (${errorMessage(error)}); it will be saved untrimmed.`);
      build.restoredKey = '';
    }
  }
  return { version: 1, runStartMs, module, build };
}

/** Files Go writes into a new GOCACHE before any entry. */
const GOCACHE_HOUSEKEEPING = new Set(['README', 'trim.txt']);

/** No folder, or nothing in it but Go's housekeeping files and empty entry folders. */
async function isEmptyCacheDir(dir: string): Promise<boolean> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return true;
  }
  for (const name of names) {
    if (GOCACHE_HOUSEKEEPING.has(name)) continue;
    if (ENTRY_DIR.test(name) && !(await isNonEmptyDir(path.join(dir, name)))) continue;
    return false;
  }
  return true;
}

async function isNonEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).length > 0;
  } catch {
    return false;
  }
}

async function saveOne(cache: CacheModule, name: string, entry: CacheEntryState, log: CacheLog, timeouts: CacheTimeouts): Promise<boolean> {
  if (entry.hit) {
    log.info(`${name}: ${entry.key} was restored exactly; nothing to save.`);
    return false;
  }
  if (!(await isNonEmptyDir(entry.path))) {
    log.info(`${name}: ${entry.path} is empty; nothing to save.`);
    return false;
  }
  try {
    const saved = await withTimeout(cache.saveCache([entry.path], entry.key), timeouts.transferMs);
    if (saved === TIMED_OUT) {
      log.warning(`The ${name} was not saved: the upload did not finish within ${timeouts.transferMs / 1000} s.`);
      return false;
    }
    if (saved !== -1) {
      log.info(`${name}: saved ${entry.key}`);
      return true;
    }
    // -1: the service refused or failed, or another job (a matrix leg) saved the same key first.
    const existing = await withTimeout(cache.restoreCache([entry.path], entry.key, [], { lookupOnly: true }), timeouts.lookupMs).catch(() => undefined);
    if (typeof existing === 'string' && sameCacheKey(existing, entry.key)) log.info(`${name}: ${entry.key} was saved by another job.`);
    else log.warning(`The ${name} was not saved under ${entry.key}; see the cache messages above.`);
  } catch (error) {
    log.warning(`The ${name} was not saved: ${errorMessage(error)}`);
  }
  return false;
}

export interface SaveContext extends CacheOptions {
  /** GITHUB_EVENT_NAME. */
  eventName: string;
  saveMode: CacheSaveMode;
}

/** What the post step did, for its log and for tests. */
export interface SaveResult {
  module: boolean;
  build: boolean;
  trimmed?: TrimResult;
}

/**
 * The post step: trims the build cache to the entries this run used (only when the restore filled
 * an empty folder), then saves each cache whose primary key was not an exact hit. Never throws;
 * every failure is a warning.
 */
export async function saveGoCaches(state: CacheState, log: CacheLog, context: SaveContext): Promise<SaveResult> {
  const result: SaveResult = { module: false, build: false };
  try {
    if (!shouldSave(context.eventName, context.saveMode)) {
      log.info(`Go caches: not saved (event ${context.eventName || 'unknown'}, cache-save: ${context.saveMode}).`);
      return result;
    }
    if (state.module.hit && state.build.hit) {
      log.info('Go caches: both were restored exactly; nothing to save.');
      return result;
    }
    const cache = await cacheService();
    if (!cache) {
      log.info('Go caches: the Actions cache service is not available here; nothing saved.');
      return result;
    }
    const timeouts = { ...DEFAULT_TIMEOUTS, ...context.timeouts };
    if (!state.build.hit && state.build.restoredKey && !state.build.restoredIntoEmpty) {
      log.info(`${NAMES.build}: not trimmed: ${state.build.path} already held entries before the restore (this machine's own cache), so it is saved as it is.`);
    } else if (!state.build.hit && state.build.restoredKey) {
      try {
        result.trimmed = await trimBuildCache(state.build.path, state.runStartMs);
        log.info(`${NAMES.build}: dropped ${result.trimmed.removed} entries this run did not use (${result.trimmed.kept} kept).`);
      } catch (error) {
        log.warning(`Could not trim the Go build cache: ${errorMessage(error)}`);
      }
    }
    const [module, build] = await Promise.all([
      saveOne(cache, NAMES.module, state.module, log, timeouts),
      saveOne(cache, NAMES.build, state.build, log, timeouts),
    ]);
    result.module = module;
    result.build = build;
  } catch (error) {
    log.warning(`Go caches: ${errorMessage(error)}`);
  }
  return result;
}
