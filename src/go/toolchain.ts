import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HttpClient } from '@actions/http-client';
import * as tc from '@actions/tool-cache';
import { ActionError, errorMessage, InputError } from '../errors.js';
import { DEFAULT_RETRY, RetriesExhaustedError, withRetry, type RetryPolicy } from '../retry.js';
import { GoModError } from './gomod.js';
import {
  archiveUrl,
  downloadBaseUrl,
  formatGoPlatform,
  goVersionToSemver,
  GoInputs,
  hostGoPlatform,
  matchToolCache,
  parseReleaseList,
  buildGoVersion,
  parseVersionSpec,
  releaseListUrl,
  resolveRelease,
  semverToGoVersion,
  VersionFileError,
  type GoPlatform,
  type GoRelease,
  type GoVersionSpec,
  type ResolvedGoRelease,
} from './versions.js';

/**
 * Installs a Go toolchain: from the runner's tool cache when a matching version is there, else from the
 * go.dev release list (or a mirror), SHA-256 checked before anything is extracted. It changes no PATH and
 * exports nothing: the caller applies `binDir` and `env`, so the action and a CLI share it.
 */

export interface GoInstallRequest {
  /** go-version: `1.26.3`, `1.26`, `^1.25`, `stable`, `oldstable`; wins over versionFile. */
  versionSpec: string;
  /** go-version-file, relative to workingDirectory: go.mod, go.work, .go-version, .tool-versions. */
  versionFile: string;
  /** The Go module folder; its go.mod is read when neither versionSpec nor versionFile is set. */
  workingDirectory: string;
  /** Ask the release list for the newest match even when the tool cache has one. */
  checkLatest: boolean;
  /** go-download-base-url; '' falls back to GO_DOWNLOAD_BASE_URL, then https://go.dev/dl. */
  downloadBaseUrl: string;
}

export interface GoInstallLog {
  info(message: string): void;
  warning(message: string): void;
}

export interface GoInstallation {
  /** The exact version, in Go's spelling (`1.26.3`, `1.27rc1`): the go-version output. */
  version: string;
  goroot: string;
  /** Put this first on PATH. */
  binDir: string;
  /** True when no download happened (the go-cache-hit style output). */
  fromToolCache: boolean;
  /** Export these: GOROOT, and GOTOOLCHAIN=local so `go` never swaps itself for another toolchain. */
  env: Record<string, string>;
}

export interface GoInstallOptions {
  /** Defaults to this runner's (process.platform / process.arch). */
  platform?: GoPlatform;
  /** Where GO_DOWNLOAD_BASE_URL and RUNNER_TEMP are read; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Retries of the release list request (archive downloads use @actions/tool-cache's own retries). */
  retry?: RetryPolicy;
  /**
   * A Go already installed outside the tool cache (the `go` on PATH, e.g. from actions/setup-go or a
   * self-hosted runner's image): used when it satisfies the request and nothing newer is asked for.
   */
  preinstalled?: { version: string; goroot: string };
}

/** A download that failed for good: names the URL and, when there was one, the HTTP status. */
export class GoDownloadError extends ActionError {
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GoDownloadError';
  }
}

export class GoChecksumError extends ActionError {
  constructor(message: string) {
    super(message);
    this.name = 'GoChecksumError';
  }
}

const TOOL_NAME = 'go';
/** @actions/tool-cache's downloadTool tries this many times on 5xx, 408, 429 and connection errors. */
const TOOL_CACHE_DOWNLOAD_ATTEMPTS = 3;
const USER_AGENT = 'go-slim-image';

/** Statuses worth another try: server trouble, timeouts and rate limits (as @actions/tool-cache decides). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function isTransient(error: unknown): boolean {
  return error instanceof tc.HTTPError ? isRetryableStatus(error.httpStatusCode ?? 0) : true;
}

/** What to do about an HTTP status from the download site. */
export function httpStatusAdvice(status: number, what: 'list' | 'archive'): string {
  if (status === 404) {
    return what === 'list'
      ? `not found. Check ${GoInputs.downloadBaseUrl}: a mirror must serve <base>/?mode=json&include=all and <base>/<file name>, as https://go.dev/dl does.`
      : 'not found: the release list names this file but the site does not serve it. Check the mirror, or ask for another version.';
  }
  if (status === 403) {
    return `access denied: the site or a proxy refused this runner (a block, or a private mirror that needs access). Re-run later, or set ${GoInputs.downloadBaseUrl} to a mirror this runner may use.`;
  }
  if (status === 429) {
    return `too many requests: the site is rate-limiting this runner. Re-run later, set ${GoInputs.downloadBaseUrl} to a mirror, or keep this Go version in the runner's tool cache.`;
  }
  if (status >= 500) return `the site had a server error. Re-run later, or set ${GoInputs.downloadBaseUrl} to a mirror.`;
  return 'an unexpected response.';
}

/** Turns a failed request into an error naming the URL, the status (or network failure) and what to do. */
export function downloadFailure(what: string, url: string, error: unknown, kind: 'list' | 'archive', attempts?: number): GoDownloadError {
  const cause = error instanceof RetriesExhaustedError ? error.lastError : error;
  const tries = error instanceof RetriesExhaustedError ? error.attempts : attempts;
  if (cause instanceof tc.HTTPError) {
    const status = cause.httpStatusCode ?? 0;
    const after = tries && isRetryableStatus(status) ? ` after ${tries} attempts` : '';
    return new GoDownloadError(url, status, `Downloading ${what} from ${url} failed with HTTP ${status}${after}: ${httpStatusAdvice(status, kind)}`, { cause });
  }
  const after = tries ? ` after ${tries} attempts` : '';
  return new GoDownloadError(
    url,
    undefined,
    `Downloading ${what} from ${url} failed${after}: ${errorMessage(cause)}. The connection failed or dropped; check the runner's network and proxy, re-run, or set ${GoInputs.downloadBaseUrl} to a reachable mirror.`,
    { cause },
  );
}

/** The spec to install and where it came from (for the log). */
export async function readGoVersionSpec(request: GoInstallRequest, log: GoInstallLog): Promise<{ spec: GoVersionSpec; source: string }> {
  if (request.versionSpec.trim()) {
    if (request.versionFile.trim()) log.warning(`Both ${GoInputs.version} and ${GoInputs.versionFile} are set; using ${GoInputs.version} (${request.versionSpec.trim()}).`);
    return { spec: parseVersionSpec(request.versionSpec, GoInputs.version), source: GoInputs.version };
  }
  const file = request.versionFile.trim() || 'go.mod';
  const fullPath = path.resolve(request.workingDirectory, file);
  let content: string;
  try {
    content = await fs.readFile(fullPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (request.versionFile.trim()) throw new InputError(GoInputs.versionFile, request.versionFile, `a go.mod, go.work, .go-version or .tool-versions file (none at ${fullPath})`);
    throw new InputError(GoInputs.version, '', `a Go version such as 1.26, or a go.mod in the working directory to read it from (none at ${fullPath})`);
  }
  let text: string;
  try {
    const build = buildGoVersion(file, content);
    if (build.note) log.info(build.note);
    text = build.version;
  } catch (error) {
    if (error instanceof GoModError || error instanceof VersionFileError) {
      throw new ActionError(`Cannot read the Go version from ${fullPath}: ${error.message}. Fix the file, or set ${GoInputs.version}.`, { cause: error });
    }
    throw error;
  }
  try {
    return { spec: parseVersionSpec(text, GoInputs.versionFile), source: file };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new ActionError(`Cannot read the Go version from ${fullPath}: "${text}" is not a Go version (expected e.g. 1.26.3 or 1.26). Fix the file, or set ${GoInputs.version}.`, { cause: error });
  }
}

/** The list of every Go release, retried on connection drops and 5xx / 429. */
export async function fetchReleaseList(base: string, policy: RetryPolicy, log: GoInstallLog): Promise<GoRelease[]> {
  const url = releaseListUrl(base);
  const client = new HttpClient(USER_AGENT, [], { allowRetries: false, allowRedirects: true, maxRedirects: 5, socketTimeout: 60_000 });
  let body: string;
  try {
    body = await withRetry(
      async () => {
        const response = await client.get(url);
        const text = await response.readBody();
        const status = response.message.statusCode ?? 0;
        if (status !== 200) throw new tc.HTTPError(status);
        return text;
      },
      {
        policy,
        isRetryable: isTransient,
        onRetry: (error, attempt, delay) => log.warning(`Reading the Go release list from ${url} failed (attempt ${attempt}/${policy.attempts}: ${errorMessage(error)}); retrying in ${(delay / 1000).toFixed(1)} s.`),
      },
    );
  } catch (error) {
    throw downloadFailure('the Go release list', url, error, 'list');
  } finally {
    client.dispose();
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return parseReleaseList(undefined, url);
  }
  return parseReleaseList(json, url);
}

/** The path rules of the runner's OS (win32 on Windows), so a Windows goroot is joined right on any host. */
export function runnerPath(platform: GoPlatform): path.PlatformPath {
  return platform.os === 'windows' ? path.win32 : path.posix;
}

/** `<goroot>/bin/go`, `<goroot>\bin\go.exe` on Windows. */
export function goBinary(goroot: string, platform: GoPlatform, pathImpl: path.PlatformPath = runnerPath(platform)): string {
  return pathImpl.join(goroot, 'bin', platform.os === 'windows' ? 'go.exe' : 'go');
}

/** A cached Go of exactly this (semver) version, if its folder is complete and holds bin/go. */
function findInToolCache(version: string, platform: GoPlatform, log: GoInstallLog): string | undefined {
  const goroot = tc.find(TOOL_NAME, version, platform.toolCacheArch);
  if (!goroot) return undefined;
  if (!existsSync(goBinary(goroot, platform))) {
    log.warning(`The tool cache entry ${goroot} has no bin/go; installing Go ${semverToGoVersion(version)} again.`);
    return undefined;
  }
  return goroot;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * tc.downloadTool into a folder of its own. A cut download can leave its file behind (the write
 * stream opens after tool-cache's cleanup of the failed attempt) and tool-cache then refuses its
 * own retries into that path, so that one failure starts over once in a fresh folder.
 */
async function downloadArchive(url: string, work: string, filename: string): Promise<string> {
  for (let round = 1; ; round++) {
    try {
      return await tc.downloadTool(url, path.join(work, String(round), filename));
    } catch (error) {
      if (round >= 2 || !/Destination file path .* already exists/.test(errorMessage(error))) throw error;
    }
  }
}

/** Downloads the archive, checks its SHA-256 against the release list, extracts it and adds it to the tool cache. */
async function downloadToToolCache(release: ResolvedGoRelease, base: string, platform: GoPlatform, tempRoot: string, log: GoInstallLog): Promise<string> {
  const url = archiveUrl(base, release.file);
  const expected = release.file.sha256?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    throw new GoChecksumError(`The release list at ${releaseListUrl(base)} gives no SHA-256 for ${release.file.filename}; refusing to install an archive that cannot be verified.`);
  }
  const work = path.join(tempRoot, `go-slim-image-go-${randomUUID()}`);
  try {
    log.info(`Downloading Go ${release.version} from ${url}`);
    let archive: string;
    try {
      archive = await downloadArchive(url, work, release.file.filename);
    } catch (error) {
      throw downloadFailure(`Go ${release.version}`, url, error, 'archive', TOOL_CACHE_DOWNLOAD_ATTEMPTS);
    }
    const actual = await sha256File(archive);
    if (actual !== expected) {
      throw new GoChecksumError(
        `The Go ${release.version} archive from ${url} failed its SHA-256 check: the release list says ${expected}, the download is ${actual}. ` +
          `Nothing was installed. The download was corrupted or the site serves a different file; re-run, or check ${GoInputs.downloadBaseUrl}.`,
      );
    }
    log.info(`SHA-256 verified: ${actual}`);
    const extracted = path.join(work, 'extracted');
    if (platform.archiveExtension === '.zip') await tc.extractZip(archive, extracted);
    else await tc.extractTar(archive, extracted);
    const goroot = path.join(extracted, 'go');
    if (!existsSync(goBinary(goroot, platform))) {
      throw new ActionError(`The Go ${release.version} archive from ${url} has no go/bin/go: it is not a Go distribution for ${formatGoPlatform(platform)}.`);
    }
    return await tc.cacheDir(goroot, TOOL_NAME, release.semver, platform.toolCacheArch);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

function installation(goroot: string, version: string, fromToolCache: boolean): GoInstallation {
  return {
    version: semverToGoVersion(version),
    goroot,
    binDir: path.join(goroot, 'bin'),
    fromToolCache,
    env: { GOROOT: goroot, GOTOOLCHAIN: 'local' },
  };
}

/**
 * Resolves the requested Go version and makes it available: tool cache first (unless checkLatest, or an
 * alias that needs the release list), else download. Needs RUNNER_TOOL_CACHE in process.env (as
 * @actions/tool-cache reads it); RUNNER_TEMP (else the OS temp folder) holds the download.
 */
export async function installGo(request: GoInstallRequest, log: GoInstallLog, options: GoInstallOptions = {}): Promise<GoInstallation> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? hostGoPlatform(process.platform, process.arch);
  if (!process.env.RUNNER_TOOL_CACHE) {
    throw new ActionError('RUNNER_TOOL_CACHE is not set: it names the folder where Go versions are kept (the runner sets it; outside a runner, set it to a writable folder).');
  }
  const { spec, source } = await readGoVersionSpec(request, log);
  const base = downloadBaseUrl(request.downloadBaseUrl, env);
  log.info(`Go version ${spec.text} (from ${source}) for ${formatGoPlatform(platform)}`);

  if (!request.checkLatest) {
    const version = matchToolCache(spec, tc.findAllVersions(TOOL_NAME, platform.toolCacheArch));
    const goroot = version && findInToolCache(version, platform, log);
    if (version && goroot) {
      log.info(`Found Go ${semverToGoVersion(version)} in the tool cache at ${goroot}`);
      return installation(goroot, version, true);
    }
    const preinstalled = options.preinstalled;
    const preinstalledSemver = preinstalled && goVersionToSemver(preinstalled.version);
    if (preinstalled && preinstalledSemver && spec.kind !== 'alias' && matchToolCache(spec, [preinstalledSemver])) {
      log.info(`Using Go ${preinstalled.version} already on PATH (${preinstalled.goroot}): it satisfies ${spec.text}`);
      return installation(preinstalled.goroot, preinstalledSemver, true);
    }
  }

  const releases = await fetchReleaseList(base, options.retry ?? DEFAULT_RETRY, log);
  const release = resolveRelease(spec, releases, platform);
  log.info(`${spec.text} resolves to Go ${release.version} (${releaseListUrl(base)})`);
  const cached = findInToolCache(release.semver, platform, log);
  if (cached) {
    log.info(`Found Go ${release.version} in the tool cache at ${cached}`);
    return installation(cached, release.semver, true);
  }
  const tempRoot = env.RUNNER_TEMP || os.tmpdir();
  const goroot = await downloadToToolCache(release, base, platform, tempRoot, log);
  log.info(`Installed Go ${release.version} to ${goroot}`);
  return installation(goroot, release.semver, false);
}
