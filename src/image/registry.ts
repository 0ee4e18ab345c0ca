import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActionError } from '../errors.js';
import { registryBaseUrl, type ImageName } from '../reference.js';
import { RetriesExhaustedError, withRetry } from '../retry.js';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  /** An artifact manifest's type, copied to its descriptor in a referrers index. */
  artifactType?: string;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  mediaType?: string;
  manifests: Descriptor[];
}

export type Manifest = ImageManifest | ImageIndex;

export function isIndex(manifest: Manifest): manifest is ImageIndex {
  return Array.isArray((manifest as ImageIndex).manifests);
}

interface Credentials {
  username: string;
  password: string;
}

/** Registry credentials from the docker config that `docker login` and docker/login-action write. */
export async function dockerConfigCredentials(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const dir = env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    config = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const keys = registry === 'docker.io' ? ['https://index.docker.io/v1/', 'docker.io', 'index.docker.io'] : [registry, `https://${registry}`, `http://${registry}`];
  for (const key of keys) {
    const entry = config.auths?.[key];
    if (!entry) continue;
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}

/** Parses `Bearer realm="…",service="…",scope="…"` into its scheme and parameters. */
export function parseAuthChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z_]+)="([^"]*)"/g;
  for (let match = pattern.exec(header); match; match = pattern.exec(header)) params[match[1]!.toLowerCase()] = match[2]!;
  return { scheme, params };
}

export interface RegistryClientOptions {
  credentials?: (registry: string) => Promise<Credentials | undefined>;
  /** Attempts for a request answered 5xx/429 or failing at the network level. */
  attempts?: number;
  retryDelayMs?: number;
  /**
   * Called with every credential the client reads or obtains (password, the Basic value, a bearer
   * token) before it is used: the entry point passes its reporter's masking (see src/tools.ts).
   */
  maskSecret?: (value: string) => void;
}

/** `fetch failed` says nothing; undici puts what happened (ECONNREFUSED, other side closed) in `cause`. */
export function networkErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const detail = [cause?.code, cause?.message].filter((part, i, all) => part && all.indexOf(part) === i).join(': ');
  return detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message;
}

type Access = 'pull' | 'pull,push';

interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  access?: Access;
  /** Statuses that are an answer rather than an error (404 for existence checks). */
  expect?: number[];
  /** False inside an operation that is retried as a whole (a blob upload), so retries do not multiply. */
  retry?: boolean;
}

/** An OCI distribution client: reads and pushes, with Basic or Bearer-token challenge auth and retries. */
export class RegistryClient {
  private readonly credentials: (registry: string) => Promise<Credentials | undefined>;
  private readonly authorization = new Map<string, string>();
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly maskSecret: (value: string) => void;

  constructor(options: RegistryClientOptions = {}) {
    this.credentials = options.credentials ?? ((registry) => dockerConfigCredentials(registry));
    this.attempts = options.attempts ?? 4;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.maskSecret = options.maskSecret ?? (() => undefined);
  }

  async getManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string; bytes: number }> {
    const response = await this.request(name, `manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
    const text = await response.text();
    return { manifest: JSON.parse(text) as Manifest, digest: response.headers.get('docker-content-digest') ?? '', bytes: Buffer.byteLength(text) };
  }

  /** A manifest's bytes exactly as the registry holds them, with its media type. */
  async getManifestBytes(name: ImageName, reference: string): Promise<{ body: Buffer; mediaType: string; digest: string }> {
    const response = await this.request(name, `manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
    const body = Buffer.from(await response.arrayBuffer());
    return { body, mediaType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim(), digest: response.headers.get('docker-content-digest') ?? '' };
  }

  /** Returns undefined when the reference does not exist (404). */
  async findManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string } | undefined> {
    try {
      return await this.getManifest(name, reference);
    } catch (error) {
      if (error instanceof RegistryHttpError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Every tag of the repository (following Link pagination); empty when the repository does not exist. */
  async listTags(name: ImageName): Promise<string[]> {
    const tags: string[] = [];
    let suffix: string | undefined = 'tags/list?n=1000';
    for (let page = 0; suffix && page < 100; page++) {
      const response: Response = await this.request(name, suffix, { expect: [404] });
      if (response.status === 404) return tags;
      const body = (await response.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
      suffix = next ? next.replace(/^.*\/v2\/[^?]*?\/tags\/list/, 'tags/list') : undefined;
    }
    return tags;
  }

  async getBlob(name: ImageName, digest: string): Promise<Response> {
    return this.request(name, `blobs/${digest}`, {});
  }

  /** A small JSON blob (an image config), parsed. */
  async getJsonBlob(name: ImageName, digest: string): Promise<unknown> {
    return (await this.getBlob(name, digest)).json();
  }

  async hasBlob(name: ImageName, digest: string): Promise<boolean> {
    const response = await this.request(name, `blobs/${digest}`, { method: 'HEAD', access: 'pull,push', expect: [404] });
    return response.ok;
  }

  /**
   * Cross-repository mount (POST …/blobs/uploads/?mount=&from=): true when the registry linked the
   * blob (201). A registry that cannot mount answers 202 with an upload session; that is false, and
   * the caller uploads (the abandoned session expires on its own).
   */
  async mountBlob(name: ImageName, digest: string, fromRepository: string): Promise<boolean> {
    const query = `mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepository)}`;
    try {
      const response = await this.request(name, `blobs/uploads/?${query}`, { method: 'POST', access: 'pull,push', headers: { 'content-length': '0' }, expect: [202] });
      return response.status === 201;
    } catch (error) {
      // A token scoped to the target only may not cover the source: the copy still works.
      if (error instanceof RegistryHttpError && error.status < 500) return false;
      throw error;
    }
  }

  /** Monolithic upload: POST a session, PUT the bytes with their digest. Retried from the start as a whole. */
  async putBlob(name: ImageName, digest: string, data: Buffer): Promise<void> {
    await this.retrying(`upload ${digest} to ${name.registry}/${name.repository}`, async () => {
      const session = await this.request(name, 'blobs/uploads/', { method: 'POST', access: 'pull,push', headers: { 'content-length': '0' }, retry: false });
      const location = session.headers.get('location');
      if (!location) throw new RegistryHttpError(`${registryBaseUrl(name.registry)}/v2/${name.repository}/blobs/uploads/`, session.status, 'no Location header for the upload');
      const url = new URL(location, `${registryBaseUrl(name.registry)}/`);
      url.searchParams.set('digest', digest);
      await this.requestUrl(name, url.toString(), {
        method: 'PUT',
        access: 'pull,push',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(data.length) },
        body: data,
        retry: false,
      });
    });
  }

  async putManifest(name: ImageName, reference: string, mediaType: string, body: Buffer): Promise<string> {
    const response = await this.request(name, `manifests/${reference}`, { method: 'PUT', access: 'pull,push', headers: { 'content-type': mediaType }, body });
    return response.headers.get('docker-content-digest') ?? '';
  }

  /**
   * Pushes a manifest that has a `subject` by its digest. `subjectProcessed`: the registry answered
   * with `OCI-Subject`, so its referrers API lists it and no referrers tag is needed.
   */
  async putReferrerManifest(name: ImageName, digest: string, mediaType: string, body: Buffer): Promise<{ digest: string; subjectProcessed: boolean }> {
    const response = await this.request(name, `manifests/${digest}`, { method: 'PUT', access: 'pull,push', headers: { 'content-type': mediaType }, body });
    return { digest: response.headers.get('docker-content-digest') ?? digest, subjectProcessed: response.headers.has('oci-subject') };
  }

  /** The referrers API's index for a digest; undefined when the registry has no referrers API (404). */
  async getReferrers(name: ImageName, digest: string): Promise<ImageIndex | undefined> {
    const response = await this.request(name, `referrers/${digest}`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' }, expect: [404] });
    if (response.status === 404) return undefined;
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const body = (await response.json().catch(() => undefined)) as ImageIndex | undefined;
    return type === 'application/vnd.oci.image.index.v1+json' && body && Array.isArray(body.manifests) ? body : undefined;
  }

  async deleteManifest(name: ImageName, digest: string): Promise<boolean> {
    const response = await this.request(name, `manifests/${digest}`, { method: 'DELETE', access: 'pull,push', expect: [404, 405, 400] });
    return response.ok;
  }

  private request(name: ImageName, suffix: string, options: RequestOptions): Promise<Response> {
    return this.requestUrl(name, `${registryBaseUrl(name.registry)}/v2/${name.repository}/${suffix}`, options);
  }

  private async retrying<T>(what: string, task: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(() => task(), {
        policy: { attempts: this.attempts, initialDelayMs: this.retryDelayMs, maxDelayMs: 30_000 },
        // A 4xx other than 429 is an answer (not found, denied), not a hiccup.
        isRetryable: (error) => !(error instanceof RegistryHttpError && error.status < 500 && error.status !== 429),
      });
    } catch (error) {
      if (!(error instanceof RetriesExhaustedError)) throw error;
      if (error.lastError instanceof RegistryHttpError) throw error.lastError;
      throw new ActionError(`${what} failed after ${this.attempts} attempts: ${networkErrorMessage(error.lastError)}`, { cause: error.lastError });
    }
  }

  private requestUrl(name: ImageName, url: string, options: RequestOptions): Promise<Response> {
    const method = options.method ?? 'GET';
    const access = options.access ?? 'pull';
    const scopeKey = `${name.registry}/${name.repository}:${access}`;
    // A blob upload (POST + PUT) is retried as a whole by putBlob; everything else is retried here.
    const attempt = async () => {
      let response = await this.send(url, method, options, scopeKey);
      if (response.status === 401) {
        await this.authenticate(name, response.headers.get('www-authenticate') ?? '', url, access);
        response = await this.send(url, method, options, scopeKey);
      }
      if (response.ok || options.expect?.includes(response.status)) return response;
      const body = method === 'HEAD' ? '' : await response.text().catch(() => '');
      throw new RegistryHttpError(url, response.status, body, method);
    };
    return options.retry === false ? attempt() : this.retrying(`${method} ${url}`, attempt);
  }

  private send(url: string, method: string, options: RequestOptions, scopeKey: string): Promise<Response> {
    const authorization = this.authorization.get(scopeKey);
    return fetch(url, {
      method,
      headers: { ...options.headers, ...(authorization ? { authorization } : {}) },
      ...(options.body !== undefined ? { body: options.body } : {}),
      redirect: 'follow',
    });
  }

  private async authenticate(name: ImageName, challenge: string, url: string, access: Access): Promise<void> {
    const { scheme, params } = parseAuthChallenge(challenge);
    const credentials = await this.credentials(name.registry);
    const encoded = credentials ? Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') : undefined;
    if (credentials && encoded) {
      this.maskSecret(credentials.password);
      this.maskSecret(encoded);
    }
    const basic = encoded ? `Basic ${encoded}` : undefined;
    const scopeKey = `${name.registry}/${name.repository}:${access}`;
    if (scheme === 'basic') {
      if (!basic) throw new RegistryHttpError(url, 401, 'the registry wants a login and the docker config has none for it');
      this.authorization.set(scopeKey, basic);
      return;
    }
    if (scheme !== 'bearer' || !params.realm) throw new RegistryHttpError(url, 401, `unsupported auth challenge "${challenge}"`);
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', `repository:${name.repository}:${access}`);
    const response = await fetch(tokenUrl, { headers: basic ? { authorization: basic } : {} });
    if (!response.ok) throw new RegistryHttpError(tokenUrl.origin + tokenUrl.pathname, response.status, 'token request refused');
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryHttpError(tokenUrl.origin + tokenUrl.pathname, response.status, 'token response has no token');
    this.maskSecret(token);
    this.authorization.set(scopeKey, `Bearer ${token}`);
  }
}

export class RegistryHttpError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    body: string,
    method = 'GET',
  ) {
    super(`${method} ${url} answered HTTP ${status}${body ? `: ${body.slice(0, 300).trim()}` : ''}`);
    this.name = 'RegistryHttpError';
  }
}

/**
 * A view of a client that reads each manifest once: the layer-reuse lookup and the baseline read
 * both start from the same tags before anything is pushed, and a registry that fails should be
 * retried once, not once per reader. Blobs and writes go straight through.
 */
export class ReadOnceRegistry extends RegistryClient {
  private readonly manifests = new Map<string, Promise<{ manifest: Manifest; digest: string; bytes: number }>>();
  private readonly configs = new Map<string, Promise<unknown>>();

  constructor(private readonly inner: RegistryClient) {
    super();
  }

  override getManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string; bytes: number }> {
    const key = `${name.registry}/${name.repository}@${reference}`;
    let pending = this.manifests.get(key);
    if (!pending) {
      pending = this.inner.getManifest(name, reference);
      this.manifests.set(key, pending);
    }
    return pending;
  }

  override getBlob(name: ImageName, digest: string): Promise<Response> {
    return this.inner.getBlob(name, digest);
  }

  override getJsonBlob(name: ImageName, digest: string): Promise<unknown> {
    const key = `${name.registry}/${name.repository}@${digest}`;
    let pending = this.configs.get(key);
    if (!pending) {
      pending = this.inner.getJsonBlob(name, digest);
      this.configs.set(key, pending);
      pending.catch(() => this.configs.delete(key));
    }
    return pending;
  }

  override listTags(name: ImageName): Promise<string[]> {
    return this.inner.listTags(name);
  }
}
