import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createSign, generateKeyPairSync, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './registry-faults.js';

/**
 * A `docker-registry serve` (distribution 2.8) behind `auth: token:` and a token server of our own
 * on 127.0.0.1 that follows the distribution token spec: GET <realm>?service=…&scope=… with Basic
 * credentials answers {token, access_token, expires_in, issued_at}; the token is an RS256 JWT whose
 * signing certificate (self-signed, made with openssl) is the registry's rootcertbundle.
 *
 * How distribution 2.8 finds the signing key (registry/auth/token/token.go, VerifySigningKey): the
 * header's `x5c` chain verified against the rootcertbundle, else a `jwk`, else `kid` looked up among
 * the libtrust key IDs of the rootcertbundle certificates' public keys. It checks iss against
 * `issuer`, aud against `service`, exp/nbf with 60 s leeway, then the signature.
 */

export interface Login {
  username: string;
  password: string;
}

/** How tokens are signed: x5c (certificate chain), kid (libtrust key ID), or by a key the registry does not trust. */
export type SigningMode = 'x5c' | 'kid' | 'untrusted';

export interface TokenRequest {
  service: string | null;
  scopes: string[];
  /** The Basic user the request carried; undefined for an anonymous request. */
  user?: string;
  status: number;
  /** The token issued (200 only). */
  token?: string;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** libtrust's key ID: SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32 in 4-character groups joined by ':'. */
export function libtrustKeyId(publicKey: KeyObject): string {
  const digest = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of digest) bits += byte.toString(2).padStart(8, '0');
  let encoded = '';
  for (let i = 0; i < bits.length; i += 5) encoded += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return encoded.match(/.{1,4}/g)!.join(':');
}

export class TokenServer {
  readonly requests: TokenRequest[] = [];
  signing: SigningMode = 'x5c';
  /** What an anonymous request gets: a token limited to pull (as for a public repository), or 401. */
  anonymous: 'pull' | 'deny' = 'pull';
  realm = '';
  private server?: http.Server;
  private readonly untrustedKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

  constructor(
    private readonly login: Login,
    private readonly issuer: string,
    private readonly key: { privateKey: KeyObject; publicKey: KeyObject; certDer: Buffer },
  ) {}

  /** Every token this server handed out. */
  get issued(): string[] {
    return this.requests.flatMap((r) => (r.token ? [r.token] : []));
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.realm = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/token`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
      res.end(text);
    };
    if (req.method !== 'GET' || url.pathname !== '/token') return reply(404, { details: 'not found' });
    const entry: TokenRequest = { service: url.searchParams.get('service'), scopes: url.searchParams.getAll('scope'), status: 0 };
    this.requests.push(entry);
    const authorization = req.headers.authorization ?? '';
    let granted: (actions: string[]) => string[];
    if (authorization) {
      const basic = /^Basic\s+(\S+)$/i.exec(authorization)?.[1];
      const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      entry.user = colon > 0 ? decoded.slice(0, colon) : '';
      if (entry.user !== this.login.username || decoded.slice(colon + 1) !== this.login.password) {
        entry.status = 401;
        return reply(401, { details: 'incorrect username or password' }, { 'www-authenticate': 'Basic realm="gsi-token"' });
      }
      granted = (actions) => actions.filter((a) => a === 'pull' || a === 'push');
    } else if (this.anonymous === 'pull') {
      granted = (actions) => actions.filter((a) => a === 'pull');
    } else {
      entry.status = 401;
      return reply(401, { details: 'authentication required' }, { 'www-authenticate': 'Basic realm="gsi-token"' });
    }
    const access = entry.scopes.flatMap((scope) => {
      const parts = scope.split(':');
      if (parts.length < 3 || parts[0] !== 'repository') return [];
      const actions = granted(parts[parts.length - 1]!.split(','));
      return [{ type: 'repository', name: parts.slice(1, -1).join(':'), actions }];
    });
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = 300;
    entry.token = this.sign({
      iss: this.issuer,
      sub: entry.user ?? '',
      aud: entry.service ?? '',
      exp: now + expiresIn,
      nbf: now - 1,
      iat: now,
      jti: randomUUID(),
      access,
    });
    entry.status = 200;
    reply(200, { token: entry.token, access_token: entry.token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() });
  }

  private sign(claims: Record<string, unknown>): string {
    const header: Record<string, unknown> = { typ: 'JWT', alg: 'RS256' };
    let key = this.key.privateKey;
    if (this.signing === 'x5c') header.x5c = [this.key.certDer.toString('base64')];
    else if (this.signing === 'kid') header.kid = libtrustKeyId(this.key.publicKey);
    else {
      header.kid = libtrustKeyId(this.untrustedKey.publicKey);
      key = this.untrustedKey.privateKey;
    }
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
  }
}

export interface TokenRegistry {
  /** The registry's host:port. */
  address: string;
  dir: string;
  service: string;
  issuer: string;
  tokens: TokenServer;
  /** A docker config dir whose config.json holds the login under the registry's address. */
  dockerConfig: string;
  /** Writes another docker config dir: `auths` for this registry with `login`, or none at all. */
  writeDockerConfig(login?: Login): Promise<string>;
  /** Whether the registry's storage holds the repository (read from disk, not through auth). */
  hasRepository(repository: string): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startTokenRegistry(login: Login): Promise<TokenRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-token-registry-'));
  const service = 'gsi-token-registry';
  const issuer = 'gsi-token-issuer';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = path.join(dir, 'token.key');
  const certFile = path.join(dir, 'token.crt');
  await fs.writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  execFileSync('openssl', ['req', '-x509', '-new', '-sha256', '-key', keyFile, '-subj', `/CN=${issuer}`, '-days', '2', '-out', certFile], { stdio: 'pipe' });
  const certDer = Buffer.from(new X509Certificate(await fs.readFile(certFile)).raw);

  const tokens = await new TokenServer(login, issuer, { privateKey, publicKey, certDer }).start();
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  await fs.writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${address}`,
      'auth:',
      '  token:',
      `    realm: ${tokens.realm}`,
      `    service: ${service}`,
      `    issuer: ${issuer}`,
      `    rootcertbundle: ${certFile}`,
      '',
    ].join('\n'),
  );
  const log = await fs.open(path.join(dir, 'registry.log'), 'a');
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log.fd, log.fd] });
  await log.close();
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await tokens.stop();
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const status = await fetch(`http://${address}/v2/`).then((r) => r.status, () => 0);
      if (status === 401) break;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`the token-auth registry on ${address} did not come up (last status ${status}):\n${await fs.readFile(path.join(dir, 'registry.log'), 'utf8')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }

  let configs = 0;
  const writeDockerConfig = async (entry?: Login) => {
    const configDir = path.join(dir, `docker-config-${configs++}`);
    await fs.mkdir(configDir);
    const auths = entry ? { [address]: { auth: Buffer.from(`${entry.username}:${entry.password}`).toString('base64') } } : {};
    await fs.writeFile(path.join(configDir, 'config.json'), JSON.stringify({ auths }));
    return configDir;
  };
  return {
    address,
    dir,
    service,
    issuer,
    tokens,
    dockerConfig: await writeDockerConfig(login),
    writeDockerConfig,
    hasRepository: (repository) =>
      fs.access(path.join(dir, 'data', 'docker', 'registry', 'v2', 'repositories', repository)).then(
        () => true,
        () => false,
      ),
    stop,
  };
}
