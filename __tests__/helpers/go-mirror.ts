import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { GoRelease, GoReleaseFile } from '../../src/go/versions.js';

/**
 * A stand-in for https://go.dev/dl on 127.0.0.1: the release list in go.dev's JSON format and real
 * archives built from this machine's Go, plus faults (statuses, dropped and cut connections, wrong bytes).
 */

/** A real Go archive made from this machine's GOROOT, named and checksummed like go.dev's. */
export interface HostGoArchive {
  /** e.g. `go1.26.8` */
  goVersion: string;
  goos: string;
  goarch: string;
  filename: string;
  file: string;
  sha256: string;
  size: number;
}

const ARCHIVE_CACHE = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'go-slim-image', 'test-archives');

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Packs `go env GOROOT` as `go/...` into `<goVersion>.<goos>-<goarch>.tar.gz`, once: the archive (and its
 * checksum) stay in ~/.cache/go-slim-image/test-archives, so later runs only read it.
 */
export function hostGoArchive(): HostGoArchive {
  const env = JSON.parse(execFileSync('go', ['env', '-json', 'GOROOT', 'GOVERSION', 'GOOS', 'GOARCH'], { encoding: 'utf8' })) as Record<string, string>;
  const goVersion = env.GOVERSION!.split(' ')[0]!;
  const filename = `${goVersion}.${env.GOOS}-${env.GOARCH}.tar.gz`;
  const file = path.join(ARCHIVE_CACHE, filename);
  const sumFile = `${file}.sha256`;
  if (!existsSync(file) || !existsSync(sumFile)) {
    execFileSync('mkdir', ['-p', ARCHIVE_CACHE]);
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
    const goroot = env.GOROOT!;
    execFileSync(
      'tar',
      ['--use-compress-program=gzip -1', '-cf', partial, '-C', path.dirname(goroot), `--transform=flags=rh;s,^${path.basename(goroot).replace(/[.[\]*^$\\,]/g, '\\$&')},go,`, path.basename(goroot)],
      { stdio: 'inherit' },
    );
    execFileSync('mv', [partial, file]);
    execFileSync('sh', ['-c', 'echo "$1" > "$2"', 'sh', sha256(file), sumFile]);
  }
  return {
    goVersion,
    goos: env.GOOS!,
    goarch: env.GOARCH!,
    filename,
    file,
    sha256: readFileSync(sumFile, 'utf8').trim(),
    size: statSync(file).size,
  };
}

/** A small, valid tar.gz with a fake go/bin/go: what an unverified install of a tampered download would accept. */
export async function fakeGoArchive(dir: string): Promise<string> {
  const root = path.join(dir, 'fake-go');
  await fs.mkdir(path.join(root, 'go', 'bin'), { recursive: true });
  await fs.writeFile(path.join(root, 'go', 'bin', 'go'), '#!/bin/sh\necho "go version go0.0.0 tampered"\n', { mode: 0o755 });
  const file = path.join(dir, 'fake-go.tar.gz');
  execFileSync('tar', ['-czf', file, '-C', root, 'go']);
  return file;
}

function fakeFile(version: string, goos: string, goarch: string, ext: string, kind = 'archive'): GoReleaseFile {
  return {
    filename: `${version}.${goos}-${goarch}${ext}`,
    os: goos,
    arch: goarch,
    version,
    sha256: createHash('sha256').update(`made-up ${version} ${goos} ${goarch}${ext}`).digest('hex'),
    size: 1000,
    kind,
  };
}

function fakeFiles(version: string): GoReleaseFile[] {
  return [
    { filename: `${version}.src.tar.gz`, os: '', arch: '', version, sha256: fakeFile(version, 'src', '', '').sha256, size: 1000, kind: 'source' },
    fakeFile(version, 'darwin', 'arm64', '.tar.gz'),
    fakeFile(version, 'darwin', 'arm64', '.pkg', 'installer'),
    fakeFile(version, 'linux', 'amd64', '.tar.gz'),
    fakeFile(version, 'linux', 'arm64', '.tar.gz'),
    fakeFile(version, 'linux', 'armv6l', '.tar.gz'),
    fakeFile(version, 'windows', 'amd64', '.zip'),
    fakeFile(version, 'windows', 'amd64', '.msi', 'installer'),
    fakeFile(version, 'windows', 'arm64', '.zip'),
  ];
}

/**
 * go.dev's list around the host version 1.M.P, newest first: 1.(M+1)rc1, the host release (with the real
 * archive for this machine), 1.M.(P-1), 1.M.0, 1.(M-1).9, 1.(M-1).0. Every other file is made up and never served.
 */
export function mirrorReleases(host: HostGoArchive): GoRelease[] {
  const [major, minor, patch] = host.goVersion.replace(/^go/, '').split('.').map(Number) as [number, number, number];
  const release = (version: string, stable: boolean): GoRelease => ({ version, stable, files: fakeFiles(version) });
  const hostRelease = release(host.goVersion, true);
  hostRelease.files = hostRelease.files.map((f) =>
    f.os === host.goos && f.arch === host.goarch && f.kind === 'archive'
      ? { filename: host.filename, os: host.goos, arch: host.goarch, version: host.goVersion, sha256: host.sha256, size: host.size, kind: 'archive' }
      : f,
  );
  const older = [...new Set([patch - 1, 0].filter((p) => p >= 0 && p < patch))].map((p) => release(`go${major}.${minor}.${p}`, true));
  return [
    release(`go${major}.${minor + 1}rc1`, false),
    hostRelease,
    ...older,
    release(`go${major}.${minor - 1}.9`, true),
    release(`go${major}.${minor - 1}.0`, true),
  ];
}

export type MirrorFault =
  /** Answer with this status (and a short body). */
  | { kind: 'status'; status: number }
  /** Close the connection without answering. */
  | { kind: 'drop' }
  /** Send the headers and the first bytes, then cut the connection. */
  | { kind: 'truncate' };

interface FaultEntry {
  fault: MirrorFault;
  /** How many more requests get the fault; Infinity for all. */
  remaining: number;
}

export class GoMirror {
  /** The served list; tests may replace it. */
  releases: GoRelease[] = [];
  private readonly files = new Map<string, string>();
  private readonly corrupted = new Map<string, string>();
  private readonly faults = new Map<string, FaultEntry>();
  private readonly counts = new Map<string, number>();

  private constructor(
    private readonly server: http.Server,
    /** e.g. http://127.0.0.1:41234/dl (no trailing slash), what go-download-base-url takes. */
    readonly baseUrl: string,
    readonly basePath: string,
  ) {}

  static async start(basePath = '/dl'): Promise<GoMirror> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const mirror = new GoMirror(server, `http://127.0.0.1:${port}${basePath}`, basePath);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => mirror.handle(req, res));
    return mirror;
  }

  get listUrl(): string {
    return `${this.baseUrl}/?mode=json&include=all`;
  }

  /** The request path of the list (`/dl/`) or of a file (`/dl/go1.26.8.linux-amd64.tar.gz`). */
  pathOf(filename = ''): string {
    return `${this.basePath}/${filename}`;
  }

  urlOf(filename: string): string {
    return `${this.baseUrl}/${filename}`;
  }

  /** Serves `file` from disk as `<base>/<filename>`. */
  serve(filename: string, file: string): void {
    this.files.set(filename, file);
  }

  /** Serves another file's bytes under this name (the list keeps the real checksum). */
  corrupt(filename: string, wrongFile: string): void {
    this.corrupted.set(filename, wrongFile);
  }

  /** The next `times` requests for `filename` ('' for the list) get the fault. */
  fail(filename: string, fault: MirrorFault, times = Infinity): void {
    this.faults.set(this.pathOf(filename), { fault, remaining: times });
  }

  /** How many requests reached a file ('' for the list). */
  requests(filename = ''): number {
    return this.counts.get(this.pathOf(filename)) ?? 0;
  }

  /** Requests for anything but the list: archive downloads. */
  archiveRequests(): number {
    let total = 0;
    for (const [key, count] of this.counts) if (key !== this.pathOf('')) total += count;
    return total;
  }

  reset(): void {
    this.corrupted.clear();
    this.faults.clear();
    this.counts.clear();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://mirror');
    const key = url.pathname;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);

    const entry = this.faults.get(key);
    let truncate = false;
    if (entry && entry.remaining > 0) {
      entry.remaining--;
      const { fault } = entry;
      truncate = fault.kind === 'truncate';
      if (fault.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'status') {
        res.writeHead(fault.status, { 'content-type': 'text/plain' });
        res.end(`mirror fault ${fault.status}\n`);
        return;
      }
    }

    if (key === this.pathOf('')) {
      if (url.searchParams.get('mode') !== 'json') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>downloads</html>');
        return;
      }
      const body = JSON.stringify(url.searchParams.get('include') === 'all' ? this.releases : this.releases.filter((r) => r.stable));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }

    const filename = key.startsWith(`${this.basePath}/`) ? key.slice(this.basePath.length + 1) : '';
    const file = this.corrupted.get(filename) ?? this.files.get(filename);
    if (!filename || !file) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found\n');
      return;
    }
    const size = statSync(file).size;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    if (truncate) {
      const stream = createReadStream(file, { start: 0, end: Math.min(size, 65536) - 1 });
      stream.on('end', () => res.socket?.destroy());
      stream.pipe(res, { end: false });
      return;
    }
    createReadStream(file).pipe(res);
  }
}
