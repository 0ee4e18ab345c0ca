import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GoChecksumError, GoDownloadError, installGo, type GoInstallRequest } from '../../src/go/toolchain.js';
import { GoVersionNotFoundError } from '../../src/go/versions.js';
import { fakeGoArchive, GoMirror, hostGoArchive, mirrorReleases, type HostGoArchive } from '../helpers/go-mirror.js';

// Installs extract and copy a whole GOROOT; the integration project's testTimeout does not reach a project.
jest.setTimeout(120_000);

/** @actions/tool-cache's test hooks: its downloadTool otherwise waits 10-20 s between tries. */
const RETRY_HOOKS = ['TEST_DOWNLOAD_TOOL_RETRY_MIN_SECONDS', 'TEST_DOWNLOAD_TOOL_RETRY_MAX_SECONDS'] as const;
const fastRetry = { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 };

let host: HostGoArchive;
let mirror: GoMirror;
let root: string;
let moduleDir: string;
let fakeArchive: string;
/** 1.26.8 for go1.26.8 */
let hostVersion: string;
const savedEnv = { RUNNER_TOOL_CACHE: process.env.RUNNER_TOOL_CACHE, RUNNER_TEMP: process.env.RUNNER_TEMP };
const globals = globalThis as Record<string, unknown>;

function useToolCache(name: string): string {
  const dir = path.join(root, 'toolcache', name);
  process.env.RUNNER_TOOL_CACHE = dir;
  return dir;
}

function collectLog() {
  const lines = { info: [] as string[], warning: [] as string[] };
  return { lines, log: { info: (m: string) => void lines.info.push(m), warning: (m: string) => void lines.warning.push(m) } };
}

function request(overrides: Partial<GoInstallRequest> = {}): GoInstallRequest {
  return { versionSpec: '', versionFile: '', workingDirectory: moduleDir, checkLatest: false, downloadBaseUrl: mirror.baseUrl, ...overrides };
}

async function install(overrides: Partial<GoInstallRequest> = {}, env: NodeJS.ProcessEnv = { RUNNER_TEMP: process.env.RUNNER_TEMP }) {
  const { lines, log } = collectLog();
  const result = await installGo(request(overrides), log, { env, retry: fastRetry });
  return { result, lines };
}

async function failure(overrides: Partial<GoInstallRequest> = {}): Promise<Error> {
  const { log } = collectLog();
  try {
    await installGo(request(overrides), log, { env: { RUNNER_TEMP: process.env.RUNNER_TEMP }, retry: fastRetry });
  } catch (error) {
    return error as Error;
  }
  throw new Error('installGo succeeded but a failure was expected');
}

async function leftoverDownloads(): Promise<string[]> {
  return (await fs.readdir(process.env.RUNNER_TEMP!)).filter((name) => name.startsWith('go-slim-image-go-'));
}

beforeAll(async () => {
  host = hostGoArchive();
  hostVersion = host.goVersion.replace(/^go/, '');
  mirror = await GoMirror.start();
  mirror.releases = mirrorReleases(host);
  mirror.serve(host.filename, host.file);
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'go-toolchain-it-'));
  fakeArchive = await fakeGoArchive(root);
  process.env.RUNNER_TEMP = path.join(root, 'temp');
  await fs.mkdir(process.env.RUNNER_TEMP, { recursive: true });
  for (const hook of RETRY_HOOKS) globals[hook] = 0;

  moduleDir = path.join(root, 'hello');
  await fs.mkdir(moduleDir);
  const minorLine = hostVersion.split('.').slice(0, 2).join('.');
  await fs.writeFile(path.join(moduleDir, 'go.mod'), `module example.com/hello\n\ngo ${minorLine}\n`);
  await fs.writeFile(path.join(moduleDir, 'main.go'), 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from the mirror go") }\n');
  await fs.writeFile(path.join(moduleDir, '.go-version'), `${hostVersion}\n`);
  await fs.writeFile(path.join(moduleDir, '.tool-versions'), `nodejs 24.0.0\ngolang ${hostVersion}\n`);
  await fs.mkdir(path.join(moduleDir, 'broken'));
  await fs.writeFile(path.join(moduleDir, 'broken', 'go.mod'), 'module example.com/hello\ngo one-point-two\n');
});

afterAll(async () => {
  await mirror?.close();
  for (const hook of RETRY_HOOKS) Reflect.deleteProperty(globals, hook);
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) Reflect.deleteProperty(process.env, key);
    else process.env[key] = value;
  }
  if (root) await fs.rm(root, { recursive: true, force: true });
});

beforeEach(() => mirror.reset());

describe('installGo from a go.dev mirror into the tool cache', () => {
  it('installs the go.mod version; the installed go runs and builds a program', async () => {
    const toolCache = useToolCache('shared');
    const { result, lines } = await install();

    expect(result.version).toBe(hostVersion);
    expect(result.fromToolCache).toBe(false);
    expect(result.goroot).toBe(path.join(toolCache, 'go', hostVersion, process.arch));
    expect(existsSync(`${result.goroot}.complete`)).toBe(true);
    expect(result.binDir).toBe(path.join(result.goroot, 'bin'));
    expect(result.env).toEqual({ GOROOT: result.goroot, GOTOOLCHAIN: 'local' });
    expect(mirror.requests()).toBe(1);
    expect(mirror.requests(host.filename)).toBe(1);
    expect(lines.info.join('\n')).toMatch(/SHA-256 verified/);
    expect(await leftoverDownloads()).toEqual([]);

    const env = { ...process.env, ...result.env, PATH: `${result.binDir}${path.delimiter}${process.env.PATH}` };
    const go = path.join(result.binDir, 'go');
    expect(execFileSync(go, ['version'], { env, encoding: 'utf8' })).toMatch(new RegExp(`^go version ${host.goVersion} `));
    expect(execFileSync(go, ['env', 'GOROOT'], { env, encoding: 'utf8' }).trim()).toBe(result.goroot);
    const binary = path.join(root, 'hello-bin');
    execFileSync(go, ['build', '-o', binary, '.'], { cwd: moduleDir, env });
    expect(execFileSync(binary, { encoding: 'utf8' })).toBe('hello from the mirror go\n');
  });

  // Requests are built lazily: the host version is known only after beforeAll.
  it.each([
    ['the exact version', () => ({ versionSpec: hostVersion })],
    ['a range', () => ({ versionSpec: '^1.20' })],
    ['go-version over go-version-file', () => ({ versionSpec: `go${hostVersion}`, versionFile: 'go.mod' })],
    ['.go-version', () => ({ versionFile: '.go-version' })],
    ['.tool-versions', () => ({ versionFile: '.tool-versions' })],
    ['go.mod named', () => ({ versionFile: 'go.mod' })],
  ])('%s is found in the tool cache: no list read, no archive downloaded', async (_name, overrides) => {
    useToolCache('shared');
    const { result } = await install(overrides());
    expect(result).toMatchObject({ version: hostVersion, fromToolCache: true });
    expect(mirror.requests()).toBe(0);
    expect(mirror.archiveRequests()).toBe(0);
  });

  it.each([[{ versionSpec: 'stable' }], [{ versionFile: 'go.mod', checkLatest: true }]])(
    '%j reads the release list, then uses the cached newest version without downloading',
    async (overrides) => {
      useToolCache('shared');
      const { result } = await install(overrides);
      expect(result).toMatchObject({ version: hostVersion, fromToolCache: true });
      expect(mirror.requests()).toBe(1);
      expect(mirror.archiveRequests()).toBe(0);
    },
  );

  it('takes the mirror from GO_DOWNLOAD_BASE_URL when go-download-base-url is empty', async () => {
    useToolCache('shared');
    const { result } = await install({ versionSpec: 'stable', downloadBaseUrl: '' }, { GO_DOWNLOAD_BASE_URL: `${mirror.baseUrl}/`, RUNNER_TEMP: process.env.RUNNER_TEMP });
    expect(result.fromToolCache).toBe(true);
    expect(mirror.requests()).toBe(1);
  });

  it('retries a failed release list and a cut download, then installs', async () => {
    const toolCache = useToolCache('flaky');
    mirror.fail('', { kind: 'status', status: 503 }, 1);
    mirror.fail(host.filename, { kind: 'truncate' }, 1);
    const { result, lines } = await install({ versionSpec: hostVersion });
    expect(result).toMatchObject({ version: hostVersion, fromToolCache: false, goroot: path.join(toolCache, 'go', hostVersion, process.arch) });
    expect(mirror.requests()).toBe(2);
    expect(mirror.requests(host.filename)).toBe(2);
    expect(lines.warning.join('\n')).toMatch(/release list .* failed \(attempt 1\/3: Unexpected HTTP response: 503\); retrying/);
  });
});

describe('installGo refuses, saying what went wrong and where', () => {
  it('a checksum mismatch: nothing is extracted or installed', async () => {
    const toolCache = useToolCache('corrupt');
    mirror.corrupt(host.filename, fakeArchive);
    const error = await failure({ versionSpec: hostVersion });
    expect(error).toBeInstanceOf(GoChecksumError);
    expect(error.message).toContain(`The Go ${hostVersion} archive from ${mirror.urlOf(host.filename)} failed its SHA-256 check`);
    expect(error.message).toContain(`the release list says ${host.sha256}`);
    expect(error.message).toMatch(/Nothing was installed/);
    expect(existsSync(path.join(toolCache, 'go'))).toBe(false);
    expect(await leftoverDownloads()).toEqual([]);
  });

  it('HTTP 404 for the archive names the URL and the status, without retrying', async () => {
    const toolCache = useToolCache('missing');
    mirror.fail(host.filename, { kind: 'status', status: 404 });
    const error = await failure({ versionSpec: hostVersion });
    expect(error).toBeInstanceOf(GoDownloadError);
    expect(error.message).toMatch(`Downloading Go ${hostVersion} from ${mirror.urlOf(host.filename)} failed with HTTP 404: not found`);
    expect(error).toMatchObject({ url: mirror.urlOf(host.filename), status: 404 });
    expect(mirror.requests(host.filename)).toBe(1);
    expect(existsSync(path.join(toolCache, 'go'))).toBe(false);
  });

  it('HTTP 404 for the release list says what a mirror must serve', async () => {
    useToolCache('missing');
    mirror.fail('', { kind: 'status', status: 404 });
    const error = await failure({ versionSpec: hostVersion });
    expect(error.message).toContain(`Downloading the Go release list from ${mirror.listUrl} failed with HTTP 404`);
    expect(error.message).toContain('a mirror must serve <base>/?mode=json&include=all');
    expect(mirror.requests()).toBe(1);
  });

  it('HTTP 429 is retried, then names the URL, the status and what to do', async () => {
    useToolCache('limited');
    mirror.fail(host.filename, { kind: 'status', status: 429 });
    const error = await failure({ versionSpec: hostVersion });
    expect(error.message).toContain(`${mirror.urlOf(host.filename)} failed with HTTP 429 after 3 attempts: too many requests`);
    expect(mirror.requests(host.filename)).toBe(3);
  });

  it('HTTP 403 names the URL and the status', async () => {
    useToolCache('forbidden');
    mirror.fail(host.filename, { kind: 'status', status: 403 });
    const error = await failure({ versionSpec: hostVersion });
    expect(error.message).toContain(`${mirror.urlOf(host.filename)} failed with HTTP 403: access denied`);
    expect(mirror.requests(host.filename)).toBe(1);
  });

  it('dropped connections are retried, then fail naming the URL', async () => {
    const toolCache = useToolCache('dropped');
    mirror.fail(host.filename, { kind: 'drop' });
    const error = await failure({ versionSpec: hostVersion });
    expect(error).toBeInstanceOf(GoDownloadError);
    expect(error.message).toContain(`Downloading Go ${hostVersion} from ${mirror.urlOf(host.filename)} failed after 3 attempts`);
    expect(error.message).toMatch(/connection failed or dropped/);
    expect(mirror.requests(host.filename)).toBe(3);
    expect(existsSync(path.join(toolCache, 'go'))).toBe(false);
    expect(await leftoverDownloads()).toEqual([]);
  });

  it('a release list that keeps dropping is retried, then fails naming its URL', async () => {
    useToolCache('dropped');
    mirror.fail('', { kind: 'drop' });
    const error = await failure({ versionSpec: 'stable' });
    expect(error.message).toContain(`Downloading the Go release list from ${mirror.listUrl} failed after 3 attempts`);
    expect(mirror.requests()).toBe(3);
  });

  it('no matching release lists the closest ones', async () => {
    useToolCache('none');
    const error = await failure({ versionSpec: '1.99' });
    expect(error).toBeInstanceOf(GoVersionNotFoundError);
    expect(error.message).toMatch(new RegExp(`No Go release matches "1.99" for ${host.goos}/${host.goarch}\\. Closest available: .*${hostVersion.replace(/\./g, '\\.')}`));
    expect(mirror.archiveRequests()).toBe(0);
  });

  it('a malformed go.mod names the file and the line', async () => {
    useToolCache('none');
    const error = await failure({ workingDirectory: path.join(moduleDir, 'broken') });
    expect(error.message).toContain(`Cannot read the Go version from ${path.join(moduleDir, 'broken', 'go.mod')}: go.mod: invalid go line "go one-point-two"`);
    expect(error.message).toMatch(/set go-version/);
  });

  it('a missing go-version-file names the input', async () => {
    useToolCache('none');
    const error = await failure({ versionFile: 'nope/.go-version' });
    expect(error.message).toMatch(/^Input 'go-version-file' has an invalid value "nope\/.go-version": expected .*none at /);
  });
});
