import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isLastingNetworkError, ReadOnceRegistry, RegistryClient, RegistryHttpError } from '../../src/image/registry.js';
import { parseRetryAfter } from '../../src/retry.js';
import { MemoryRegistry } from '../helpers/fake-tools.js';

/**
 * The network client's retry and timeout decisions against small loopback HTTP servers (the real
 * registry is exercised by the integration tests; here each fault is one line of a handler).
 */

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, index: number) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: Handler): Promise<{ address: string; requests: { method: string; url: string; at: number }[] }> {
  const requests: { method: string; url: string; at: number }[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', at: Date.now() });
    handler(req, res, requests.length - 1);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function client(log: string[] = []) {
  return new RegistryClient({ credentials: async () => undefined, retryDelayMs: 10, idleTimeoutMs: 400, log: (line) => void log.push(line) });
}

const manifest = JSON.stringify({ schemaVersion: 2, config: { mediaType: 'x', digest: 'sha256:00', size: 1 }, layers: [] });

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-06T00:00:00Z');
  it.each([
    ['2', 2000],
    [' 0 ', 0],
    ['120', 60_000],
    ['Sun, 06 Dec 2026 00:00:05 GMT', 5000],
    ['Sat, 05 Dec 2026 23:59:00 GMT', 0],
    ['Sun, 06 Dec 2026 01:00:00 GMT', 60_000],
  ])('%j → %d ms', (header, ms) => expect(parseRetryAfter(header, now)).toBe(ms));

  it.each([null, undefined, '', '-1', '1.5', 'soon'])('%j → undefined', (header) => expect(parseRetryAfter(header, now)).toBeUndefined());

  it('caps at the given bound', () => expect(parseRetryAfter('30', now, 10_000)).toBe(10_000));
});

describe('isLastingNetworkError', () => {
  const failed = (cause: object) => new TypeError('fetch failed', { cause });
  it.each([
    [failed({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }), true],
    [failed({ code: 'EPROTO', message: 'wrong version number' }), true],
    [failed({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), true],
    [failed({ code: 'ENOTFOUND' }), true],
    [failed({ message: 'unable to verify the first certificate' }), true],
    [new TypeError('Failed to parse URL from http://127.0.0.1:99999/v2/'), true],
    [failed({ code: 'ECONNREFUSED' }), false],
    [failed({ code: 'ECONNRESET' }), false],
    [failed({ code: 'UND_ERR_SOCKET', message: 'other side closed' }), false],
    [new Error('something else'), false],
  ])('%s → %s', (error, lasting) => expect(isLastingNetworkError(error)).toBe(lasting));
});

describe('RegistryClient retries', () => {
  it('waits as long as Retry-After asks after a 429, logs the retry on one line, then succeeds', async () => {
    const registry = await serve((_req, res, index) => {
      if (index === 0) return void res.writeHead(429, { 'retry-after': '1' }).end('{"errors":[{"code":"TOOMANYREQUESTS"}]}');
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': 'sha256:11' }).end(manifest);
    });
    const log: string[] = [];
    const found = await client(log).getManifest({ registry: registry.address, repository: 'a/b' }, 'v1');
    expect(found.digest).toBe('sha256:11');
    expect(registry.requests[1]!.at - registry.requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(log).toEqual([`Retrying GET http://${registry.address}/v2/a/b/manifests/v1: HTTP 429 (rate limited); try 2 of 4 in 1.0 s (as Retry-After asks)`]);
  });

  it('names rate limiting when 429s outlast the retries', async () => {
    const registry = await serve((_req, res) => void res.writeHead(429, { 'retry-after': '0' }).end());
    const error = await client()
      .listTags({ registry: registry.address, repository: 'a/b' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryHttpError);
    expect(String(error)).toMatch(/answered HTTP 429; rate limited: the registry still answered 429 after 4 attempts over \d+ s/);
    expect(registry.requests).toHaveLength(4);
  });

  it('retries a 503 with backoff and logs each retry', async () => {
    const registry = await serve((_req, res, index) => void (index < 2 ? res.writeHead(503).end('busy') : res.writeHead(200).end('{"tags":["v1"]}')));
    const log: string[] = [];
    expect(await client(log).listTags({ registry: registry.address, repository: 'a/b' })).toEqual(['v1']);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(/^Retrying GET http:\/\/127\.0\.0\.1:\d+\/v2\/a\/b\/tags\/list\?n=1000: HTTP 503; try 2 of 4 in 0\.0 s$/);
  });

  it('a stalled answer is aborted after the idle timeout, retried once, then fails naming the request and the registry', async () => {
    const registry = await serve(() => undefined);
    const log: string[] = [];
    const started = Date.now();
    const error = await client(log)
      .hasBlob({ registry: registry.address, repository: 'a/b' }, 'sha256:ab')
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(String(error)).toContain(`HEAD http://${registry.address}/v2/a/b/blobs/sha256:ab failed: HEAD /v2/a/b/blobs/sha256:ab on ${registry.address} stalled: nothing sent or received for 0.4 s, on both tries`);
    expect(registry.requests).toHaveLength(2);
    expect(log).toHaveLength(1);
  });

  it('an upload body that keeps flowing is not cut by the idle timeout', async () => {
    let received = 0;
    const registry = await serve((req, res) => {
      if (req.method === 'POST') return void res.writeHead(202, { location: '/v2/a/b/blobs/uploads/1' }).end();
      // Reads slowly (a pause after each chunk): the upload takes several idle timeouts, but bytes keep flowing.
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        req.pause();
        setTimeout(() => req.resume(), 5);
      });
      req.on('end', () => res.writeHead(201).end());
    });
    const data = Buffer.alloc(24 << 20, 7);
    const started = Date.now();
    await new RegistryClient({ credentials: async () => undefined, retryDelayMs: 10, idleTimeoutMs: 1500, attempts: 1 }).putBlob({ registry: registry.address, repository: 'a/b' }, 'sha256:whatever', data);
    expect(received).toBe(data.length);
    expect(Date.now() - started).toBeGreaterThan(1500);
  });

  it('a TLS error (https to a plain-HTTP server) is not retried', async () => {
    const registry = await serve((_req, res) => void res.end());
    const log: string[] = [];
    // Not loopback by name, so spoken to over https; resolved to the server through the URL it builds.
    const https = new RegistryClient({ credentials: async () => undefined, retryDelayMs: 10, log: (line) => void log.push(line) });
    const request = (https as unknown as { requestUrl: (name: object, url: string, options: object) => Promise<Response> }).requestUrl.bind(https);
    const error = await request({ registry: registry.address, repository: 'a/b' }, `https://${registry.address}/v2/`, {}).catch((e: unknown) => e);
    expect(String(error)).toMatch(/^ActionError: GET https:\/\/127\.0\.0\.1:\d+\/v2\/ failed: fetch failed \(ERR_SSL_WRONG_VERSION_NUMBER/);
    expect(log).toEqual([]);
  });

  it('LOCALHOST in capitals is loopback: plain HTTP', async () => {
    const registry = await serve((_req, res) => void res.writeHead(200).end('{"tags":["x"]}'));
    const port = registry.address.split(':')[1];
    expect(await client().listTags({ registry: `LOCALHOST:${port}`, repository: 'a/b' })).toEqual(['x']);
  });

  it('a 401 answering a HEAD is reported as HEAD', async () => {
    const registry = await serve((_req, res) => void res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end());
    const error = await client()
      .hasBlob({ registry: registry.address, repository: 'a/b' }, 'sha256:ab')
      .catch((e: unknown) => e);
    expect(String(error)).toContain(`HEAD http://${registry.address}/v2/a/b/blobs/sha256:ab answered HTTP 401: ${registry.address} wants a login and no credential source has one for it`);
  });

  it('a wrong password: login rejected, naming the registry and the source, never the secret', async () => {
    const registry = await serve((_req, res) => void res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end());
    const wrong = new RegistryClient({ credentials: async () => ({ username: 'u', password: 'hunter2', source: 'credsStore: docker-credential-test' }), retryDelayMs: 10 });
    const error = await wrong.putManifest({ registry: registry.address, repository: 'a/b' }, 'v1', 'application/json', Buffer.from('{}')).catch((e: unknown) => e);
    expect(String(error)).toContain(`login rejected by ${registry.address}: PUT http://${registry.address}/v2/a/b/manifests/v1 answered HTTP 401 with the credential from credsStore: docker-credential-test`);
    expect(String(error)).not.toContain('hunter2');
    expect(String(error)).not.toContain(Buffer.from('u:hunter2').toString('base64'));
    expect(registry.requests).toHaveLength(2);
  });
});

describe('RegistryClient logins', () => {
  it('trades an identity token at the token endpoint with the OAuth2 refresh grant (POST), then uses the bearer token', async () => {
    const forms: string[] = [];
    let address = '';
    const registry = await serve((req, res) => {
      if (req.url?.startsWith('/token')) {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          forms.push(`${req.method} ${body}`);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"bearer-from-refresh"}');
        });
        return;
      }
      if (req.headers.authorization !== 'Bearer bearer-from-refresh') return void res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${address}/token",service="svc"` }).end();
      res.writeHead(200).end('{"tags":["t"]}');
    });
    address = registry.address;
    const masked: string[] = [];
    const withToken = new RegistryClient({ credentials: async () => ({ username: '', password: '', identityToken: 'refresh-me', source: 'auths in config.json' }), maskSecret: (v) => void masked.push(v) });
    expect(await withToken.listTags({ registry: address, repository: 'a/b' })).toEqual(['t']);
    expect(forms).toHaveLength(1);
    const form = new URLSearchParams(forms[0]!.replace(/^POST /, ''));
    expect(Object.fromEntries(form)).toEqual(expect.objectContaining({ grant_type: 'refresh_token', refresh_token: 'refresh-me', service: 'svc', scope: 'repository:a/b:pull' }));
    expect(masked).toContain('bearer-from-refresh');
  });
});

describe('the registry seam', () => {
  it('ReadOnceRegistry reads a manifest and a config once, and passes writes through', async () => {
    const inner = new MemoryRegistry();
    const name = { registry: 'r.example', repository: 'a/b' };
    const config = Buffer.from('{"architecture":"amd64"}');
    const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
    const reads = new ReadOnceRegistry(inner);
    await reads.putBlob(name, configDigest, config);
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'c', digest: configDigest, size: config.length }, layers: [] }));
    await reads.putManifest(name, 'v1', 'application/vnd.oci.image.manifest.v1+json', body);
    expect(inner.tagWrites).toEqual(['r.example/a/b:v1']);
    const [first, second] = await Promise.all([reads.getManifest(name, 'v1'), reads.getManifest(name, 'v1')]);
    expect(second).toBe(first);
    await reads.getJsonBlob(name, configDigest);
    await reads.getJsonBlob(name, configDigest);
    expect(inner.blobReads).toEqual([configDigest]);
    expect(await reads.findManifest(name, 'missing')).toBeUndefined();
  });

  it('no class extends the network client (decorators and fakes implement the interface)', async () => {
    const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
    const files = execFileSync('git', ['ls-files', 'src', '__tests__'], { cwd: root, encoding: 'utf8' }).split('\n').filter((file) => file.endsWith('.ts'));
    const subclasses = [];
    for (const file of files) if (/extends\s+RegistryClient\b/.test(await fs.readFile(path.join(root, file), 'utf8').catch(() => ''))) subclasses.push(file);
    expect(subclasses).toEqual([]);
  });
});
