import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A stand-in for the Actions cache service v2, as @actions/cache 6 speaks to it:
 *
 * - Twirp JSON at `POST /twirp/github.actions.results.api.v1.CacheService/<Method>` for
 *   CreateCacheEntry, FinalizeCacheEntryUpload and GetCacheEntryDownloadURL (snake_case fields).
 * - Uploads go through the Azure Blob SDK to the signed URL CreateCacheEntry returns. An IP host is
 *   read the way Azurite is (`http://127.0.0.1:port/<account>/<container>/<blob>`): a single
 *   `PUT` (x-ms-blob-type: BlockBlob) up to 128 MiB, `?comp=block` + `?comp=blocklist` above.
 * - Downloads are a plain `GET` of the signed URL (the host is not *.blob.core.windows.net).
 *
 * Matching follows GitHub's documented order: exact key, then the key as a prefix, then each
 * restore key as a prefix; newest entry first; the version (paths + compression) must be equal.
 * Branch scopes are not modelled. Blobs live in a temp folder.
 *
 * `lowerCaseKeys` behaves like act's cache server (and servers built on it): keys and restore keys
 * are lower-cased when stored and looked up, and the matched key comes back in lower case.
 */

export type FaultMode = 'ok' | 'error' | 'hang';

export interface CacheEntry {
  id: number;
  key: string;
  version: string;
  finalized: boolean;
  size: number;
}

export interface CacheServer {
  url: string;
  /** The variables @actions/cache reads at call time; apply them to process.env. */
  env: Record<string, string>;
  /** Requests received per route (`twirp:<Method>`, `blob:PUT`, `blob:GET`), faulted ones included. */
  requests: Record<string, number>;
  entries(): CacheEntry[];
  setMode(mode: FaultMode): void;
  resetCounts(): void;
  /** Drops every open connection (ends hung requests with a reset). */
  dropConnections(): void;
  close(): Promise<void>;
}

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';
const BLOB_PREFIX = '/devstoreaccount1/cache/';

async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function blobHeaders(): Record<string, string> {
  return {
    etag: `"0x${randomBytes(8).toString('hex')}"`,
    'last-modified': new Date().toUTCString(),
    'x-ms-request-id': randomBytes(8).toString('hex'),
    'x-ms-version': '2024-11-04',
    'x-ms-request-server-encrypted': 'true',
    'content-length': '0',
  };
}

export interface CacheServerOptions {
  lowerCaseKeys?: boolean;
}

export async function startCacheServer(options: CacheServerOptions = {}): Promise<CacheServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cache-server-'));
  const entries: CacheEntry[] = [];
  const blocks = new Map<string, Buffer>();
  const requests: Record<string, number> = {};
  let mode: FaultMode = 'ok';
  let nextId = 1;
  let url = '';

  const blobFile = (id: number) => path.join(dir, `${id}.blob`);

  const lookup = (key: string, restoreKeys: string[], version: string): CacheEntry | undefined => {
    const usable = entries.filter((e) => e.finalized && e.version === version).reverse();
    const exact = usable.find((e) => e.key === key);
    if (exact) return exact;
    for (const prefix of [key, ...restoreKeys]) {
      const match = usable.find((e) => e.key.startsWith(prefix));
      if (match) return match;
    }
    return undefined;
  };

  const twirp = async (method: string, body: Record<string, unknown>, response: http.ServerResponse) => {
    const normalize = (text: string) => (options.lowerCaseKeys ? text.toLowerCase() : text);
    const key = normalize(String(body.key ?? ''));
    const version = String(body.version ?? '');
    switch (method) {
      case 'GetCacheEntryDownloadURL': {
        const found = lookup(key, ((body.restore_keys as string[] | undefined) ?? []).map(normalize), version);
        if (!found) return sendJson(response, 200, { ok: false });
        return sendJson(response, 200, { ok: true, signed_download_url: `${url}${BLOB_PREFIX}${found.id}?sig=read`, matched_key: found.key });
      }
      case 'CreateCacheEntry': {
        if (entries.some((e) => e.key === key && e.version === version)) {
          return sendJson(response, 409, { code: 'already_exists', msg: 'cache entry with the same key, version, and scope already exists' });
        }
        const entry: CacheEntry = { id: nextId++, key, version, finalized: false, size: 0 };
        entries.push(entry);
        return sendJson(response, 200, { ok: true, signed_upload_url: `${url}${BLOB_PREFIX}${entry.id}?sig=write` });
      }
      case 'FinalizeCacheEntryUpload': {
        const entry = entries.find((e) => e.key === key && e.version === version && !e.finalized);
        const size = await fs.stat(entry ? blobFile(entry.id) : path.join(dir, 'missing')).then((s) => s.size, () => -1);
        if (!entry || size < 0) return sendJson(response, 404, { code: 'not_found', msg: 'no upload for this key' });
        entry.finalized = true;
        entry.size = size;
        return sendJson(response, 200, { ok: true, entry_id: String(entry.id) });
      }
      default:
        return sendJson(response, 404, { code: 'bad_route', msg: `no method ${method}` });
    }
  };

  const blob = async (request: http.IncomingMessage, response: http.ServerResponse, target: URL) => {
    const id = Number(target.pathname.slice(BLOB_PREFIX.length));
    if (!Number.isInteger(id) || !entries.some((e) => e.id === id)) {
      response.writeHead(404).end();
      return;
    }
    if (request.method === 'GET') {
      const data = await fs.readFile(blobFile(id)).catch(() => undefined);
      if (!data) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      response.end(data);
      return;
    }
    const body = await readBody(request);
    const comp = target.searchParams.get('comp');
    if (comp === 'block') {
      blocks.set(`${id}/${target.searchParams.get('blockid')}`, body);
    } else if (comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)<\//g)].map((m) => m[1]!);
      await fs.writeFile(blobFile(id), Buffer.concat(ids.map((blockId) => blocks.get(`${id}/${blockId}`) ?? Buffer.alloc(0))));
    } else {
      await fs.writeFile(blobFile(id), body);
    }
    response.writeHead(201, blobHeaders()).end();
  };

  const server = http.createServer((request, response) => {
    const target = new URL(request.url ?? '/', url);
    const route = target.pathname.startsWith(TWIRP_PREFIX)
      ? `twirp:${target.pathname.slice(TWIRP_PREFIX.length)}`
      : target.pathname.startsWith(BLOB_PREFIX)
        ? `blob:${request.method}`
        : `other:${request.method}`;
    requests[route] = (requests[route] ?? 0) + 1;
    if (mode === 'hang') return; // never answered; close() drops the socket
    if (mode === 'error') {
      request.resume();
      return sendJson(response, 500, { code: 'internal', msg: 'injected failure' });
    }
    const handle = route.startsWith('twirp:')
      ? readBody(request).then((body) => twirp(route.slice('twirp:'.length), JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>, response))
      : route.startsWith('blob:')
        ? blob(request, response, target)
        : Promise.resolve(void response.writeHead(404).end());
    handle.catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { code: 'internal', msg: String(error) });
      else response.destroy();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const runnerTemp = path.join(dir, 'runner-temp');
  await fs.mkdir(runnerTemp);

  return {
    url,
    env: {
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: `${url}/`,
      ACTIONS_RUNTIME_TOKEN: 'test-token',
      GITHUB_SERVER_URL: 'https://github.com',
      RUNNER_TEMP: runnerTemp,
    },
    requests,
    entries: () => entries.map((e) => ({ ...e })),
    setMode: (next) => {
      mode = next;
    },
    resetCounts: () => {
      for (const key of Object.keys(requests)) requests[key] = 0;
    },
    dropConnections: () => server.closeAllConnections(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sets `vars` on process.env and returns a function that puts the previous values back. */
export function applyEnv(vars: Record<string, string>): () => void {
  const previous: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(vars)) {
    previous[name] = process.env[name];
    process.env[name] = value;
  }
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  };
}
