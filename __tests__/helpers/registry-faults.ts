import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Registries a test owns, on 127.0.0.1 only: an extra `docker-registry serve` instance (optionally
 * behind htpasswd Basic auth) that a test may stop and start again, and a fault-injecting HTTP
 * proxy to put in front of any registry.
 */

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface ExtraRegistry {
  /** host:port */
  address: string;
  dir: string;
  /** Kills the registry process (SIGKILL: it stops the way a crashed or restarted registry does). */
  stop(): void;
  /** Starts it again on the same port and storage. */
  start(): Promise<void>;
  /** Stops it and removes its storage. */
  remove(): Promise<void>;
}

/** A `docker-registry serve` on a free loopback port, with delete enabled; Basic auth when `login` is given. */
export async function startRegistry(options: { login?: { username: string; password: string } } = {}): Promise<ExtraRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-registry-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let auth = '';
  if (options.login) {
    const htpasswd = execFileSync('htpasswd', ['-Bbn', options.login.username, options.login.password], { encoding: 'utf8' });
    await fs.writeFile(path.join(dir, 'htpasswd'), htpasswd);
    auth = `auth:\n  htpasswd:\n    realm: gsi-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  }
  const config = path.join(dir, 'config.yml');
  await fs.writeFile(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${address}\n${auth}`,
  );
  let child: ChildProcess | undefined;
  const start = async () => {
    const log = await fs.open(path.join(dir, 'registry.log'), 'a');
    child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log.fd, log.fd] });
    await log.close();
    await waitFor(async () => {
      const response = await fetch(`http://${address}/v2/`);
      return response.status === 200 || response.status === 401;
    }, `the registry on ${address}`);
  };
  const stop = () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
  };
  await start();
  return {
    address,
    dir,
    stop,
    start,
    remove: async () => {
      stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ProxiedRequest {
  method: string;
  path: string;
  at: number;
  /** What the proxy did: forwarded (with the upstream status), answered itself, cut the connection, or never answered. */
  outcome: number | 'cut' | 'stall';
}

/**
 * What to do with one request: forward it, answer it with a status (and headers), cut the
 * connection, or stall: read the whole request and never answer (a registry that stops replying).
 */
export type FaultDecision = 'forward' | 'cut' | 'stall' | { status: number; body?: string; headers?: Record<string, string> };

/**
 * An HTTP proxy on 127.0.0.1 in front of `upstream` (host:port) that asks `decide` about each
 * request and records every request with what it did. A request it cannot forward (upstream down)
 * has its connection cut, as a stopped registry's clients see it.
 */
export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  decide: (request: { method: string; path: string; index: number }) => FaultDecision = () => 'forward';
  address = '';
  private server?: http.Server;

  constructor(private readonly upstream: string) {}

  async start(): Promise<this> {
    const [host, port] = this.upstream.split(':') as [string, string];
    this.server = http.createServer((req, res) => {
      const entry: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', at: Date.now(), outcome: 'cut' };
      this.requests.push(entry);
      const decision = this.decide({ method: entry.method, path: entry.path, index: this.requests.length - 1 });
      if (decision === 'cut') {
        req.socket.destroy();
        return;
      }
      if (decision === 'stall') {
        entry.outcome = 'stall';
        req.resume();
        return;
      }
      if (decision !== 'forward') {
        entry.outcome = decision.status;
        const body = decision.body ?? JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'injected fault' }] });
        res.writeHead(decision.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...decision.headers });
        res.end(body);
        req.resume();
        return;
      }
      const upstream = http.request({ host, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, host: this.address } }, (answer) => {
        entry.outcome = answer.statusCode ?? 0;
        // Locations the registry writes name the proxy (it answers with the Host header it was sent).
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        entry.outcome = 'cut';
        req.socket.destroy();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.address = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/**
 * Tags of a repository whose manifest (or, for an index, a child manifest) refers to a blob the
 * registry does not have, read with crane (not with the action's own client). Empty when the
 * repository does not exist.
 */
export function danglingTags(craneBin: string, repository: string, env: NodeJS.ProcessEnv = process.env): { tags: string[]; dangling: string[] } {
  const run = (...args: string[]) => spawnSync(craneBin, [...args, '--insecure'], { encoding: 'utf8', env });
  const listed = run('ls', repository);
  if (listed.status !== 0) {
    if (/NAME_UNKNOWN|repository name not known/.test(listed.stderr)) return { tags: [], dangling: [] };
    throw new Error(`crane ls ${repository} failed: ${listed.stderr}`);
  }
  const tags = listed.stdout.split('\n').filter(Boolean);
  const dangling = tags.filter((tag) => run('validate', '--remote', `${repository}:${tag}`).status !== 0);
  return { tags, dangling };
}
