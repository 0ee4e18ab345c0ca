import { ActionError } from '../errors.js';
import { execCommand } from '../exec.js';
import { registryBaseUrl, type ImageName } from '../reference.js';
import { parseRetryAfter, RetriesExhaustedError, withRetry } from '../retry.js';
import { credentialChain, registryKey, type Credential, type CredentialLookup } from './credentials.js';
import { DEFAULT_IDLE_TIMEOUT_MS, RequestTimeoutError, timedFetch } from '../timed-fetch.js';

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

/**
 * What the build, push, merge and report read from and write to a registry. The network client
 * implements it; ReadOnceRegistry and the local OCI layout wrap one; tests give an in-memory one.
 */
export interface Registry {
  getManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string; bytes: number }>;
  /** A manifest's bytes exactly as the registry holds them, with its media type. */
  getManifestBytes(name: ImageName, reference: string): Promise<{ body: Buffer; mediaType: string; digest: string }>;
  /** Undefined when the reference does not exist (404). */
  findManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string } | undefined>;
  /** Every tag of the repository; empty when the repository does not exist. */
  listTags(name: ImageName): Promise<string[]>;
  getBlob(name: ImageName, digest: string): Promise<Response>;
  /** A small JSON blob (an image config), parsed. */
  getJsonBlob(name: ImageName, digest: string): Promise<unknown>;
  hasBlob(name: ImageName, digest: string): Promise<boolean>;
  /** Cross-repository mount: true when the registry linked the blob, false when the caller must upload it. */
  mountBlob(name: ImageName, digest: string, fromRepository: string): Promise<boolean>;
  putBlob(name: ImageName, digest: string, data: Buffer): Promise<void>;
  /** Returns the digest the registry gives the manifest. */
  putManifest(name: ImageName, reference: string, mediaType: string, body: Buffer): Promise<string>;
  /**
   * Pushes a manifest that has a `subject` by its digest. `subjectProcessed`: the registry answered
   * with `OCI-Subject`, so its referrers API lists it and no referrers tag is needed.
   */
  putReferrerManifest(name: ImageName, digest: string, mediaType: string, body: Buffer): Promise<{ digest: string; subjectProcessed: boolean }>;
  /** The referrers API's index for a digest; undefined when the registry has no referrers API. */
  getReferrers(name: ImageName, digest: string): Promise<ImageIndex | undefined>;
  deleteManifest(name: ImageName, digest: string): Promise<boolean>;
}

/** findManifest from getManifest: a 404 is an answer. */
export async function findManifestIn(registry: Pick<Registry, 'getManifest'>, name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string } | undefined> {
  try {
    return await registry.getManifest(name, reference);
  } catch (error) {
    if (error instanceof RegistryHttpError && error.status === 404) return undefined;
    throw error;
  }
}

export function isIndex(manifest: Manifest): manifest is ImageIndex {
  return Array.isArray((manifest as ImageIndex).manifests);
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
  /** Default: the credential chain of src/image/credentials.ts (docker config, helpers, github-token on ghcr.io). */
  credentials?: CredentialLookup;
  /** Attempts for a request answered 5xx/429 or failing at the network level; a stall is retried once. */
  attempts?: number;
  retryDelayMs?: number;
  /**
   * Called with every token the client obtains (and, for the default chain, every credential it
   * reads) before it is used: the entry point passes its reporter's masking (see src/tools.ts).
   */
  maskSecret?: (value: string) => void;
  /** One line per retry: what, why, the wait. */
  log?: (message: string) => void;
  /** A credential source that failed (the default chain's warnings). */
  warn?: (message: string) => void;
  /** A request with nothing sent or received for this long is aborted (connect, answer, each chunk). */
  idleTimeoutMs?: number;
}

/** An error's message and cause, read without `instanceof` (fetch's errors may come from another realm). */
function errorParts(error: unknown): { name: string; message: string; cause?: { code?: unknown; message?: unknown } } | undefined {
  if (typeof error !== 'object' || error === null || typeof (error as Error).message !== 'string') return undefined;
  const { name, message, cause } = error as Error & { cause?: { code?: unknown; message?: unknown } };
  return { name: String(name), message, ...(typeof cause === 'object' && cause !== null ? { cause } : {}) };
}

/** `fetch failed` says nothing; undici puts what happened (ECONNREFUSED, other side closed) in `cause`. */
export function networkErrorMessage(error: unknown): string {
  const parts = errorParts(error);
  if (!parts) return String(error);
  const code = parts.cause?.code === undefined ? undefined : String(parts.cause.code);
  const causeMessage = parts.cause?.message === undefined ? undefined : String(parts.cause.message).trim();
  const detail = [code, causeMessage].filter((part, i, all) => part && all.indexOf(part) === i).join(': ');
  return detail && !parts.message.includes(detail) ? `${parts.message} (${detail})` : parts.message;
}

const LASTING_CODES = /^(ERR_SSL_|ERR_TLS_|CERT_|ERR_INVALID_URL|EPROTO$|ENOTFOUND$|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_)/;

/**
 * A network failure that trying again will not heal: TLS (a plain-HTTP registry spoken to over
 * https, a certificate the runner does not trust), an unknown host, a URL fetch cannot parse.
 */
export function isLastingNetworkError(error: unknown): boolean {
  const parts = errorParts(error);
  if (!parts || error instanceof RegistryHttpError || error instanceof RequestTimeoutError) return false;
  const cause = parts.cause;
  if (!cause) return parts.name === 'TypeError';
  return LASTING_CODES.test(String(cause.code ?? '')) || /\b(SSL|TLS|certificate)\b/i.test(String(cause.message ?? ''));
}

/** Why a try failed, for the retry line. */
function retryReason(error: unknown): string {
  if (error instanceof RegistryHttpError) return `HTTP ${error.status}${error.status === 429 ? ' (rate limited)' : ''}`;
  if (error instanceof RequestTimeoutError) return error.message.replace(`${error.request} `, '');
  return networkErrorMessage(error);
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

/** An OCI distribution client over HTTP: Basic or Bearer-token challenge auth, timeouts, retries. */
export class RegistryClient implements Registry {
  private readonly credentials: CredentialLookup;
  private readonly authorization = new Map<string, string>();
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly maskSecret: (value: string) => void;
  private readonly log: (message: string) => void;
  private readonly idleTimeoutMs: number;

  constructor(options: RegistryClientOptions = {}) {
    this.maskSecret = options.maskSecret ?? (() => undefined);
    this.log = options.log ?? (() => undefined);
    this.credentials = options.credentials ?? credentialChain({ run: execCommand, mask: this.maskSecret, warn: options.warn ?? this.log });
    this.attempts = options.attempts ?? 4;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  async getManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string; bytes: number }> {
    const response = await this.request(name, `manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
    const text = await response.text();
    return { manifest: JSON.parse(text) as Manifest, digest: response.headers.get('docker-content-digest') ?? '', bytes: Buffer.byteLength(text) };
  }

  async getManifestBytes(name: ImageName, reference: string): Promise<{ body: Buffer; mediaType: string; digest: string }> {
    const response = await this.request(name, `manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
    const body = Buffer.from(await response.arrayBuffer());
    return { body, mediaType: (response.headers.get('content-type') ?? '').split(';')[0]!.trim(), digest: response.headers.get('docker-content-digest') ?? '' };
  }

  findManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string } | undefined> {
    return findManifestIn(this, name, reference);
  }

  /** Follows Link pagination. */
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

  async getJsonBlob(name: ImageName, digest: string): Promise<unknown> {
    return (await this.getBlob(name, digest)).json();
  }

  async hasBlob(name: ImageName, digest: string): Promise<boolean> {
    const response = await this.request(name, `blobs/${digest}`, { method: 'HEAD', access: 'pull,push', expect: [404] });
    return response.ok;
  }

  /**
   * POST …/blobs/uploads/?mount=&from=: true when the registry linked the blob (201). A registry
   * that cannot mount answers 202 with an upload session; that is false, and the caller uploads
   * (the abandoned session expires on its own).
   */
  async mountBlob(name: ImageName, digest: string, fromRepository: string): Promise<boolean> {
    const query = `mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepository)}`;
    try {
      const response = await this.request(name, `blobs/uploads/?${query}`, { method: 'POST', access: 'pull,push', headers: { 'content-length': '0' }, expect: [202] });
      return response.status === 201;
    } catch (error) {
      // A token scoped to the target only may not cover the source (even a login that can push there
      // gets 401 here): the upload that follows still works, and says so if the login itself is wrong.
      if (error instanceof RegistryHttpError && error.status < 500) return false;
      throw error;
    }
  }

  /** Monolithic upload: POST a session, PUT the bytes with their digest. Retried from the start as a whole. */
  async putBlob(name: ImageName, digest: string, data: Buffer): Promise<void> {
    await this.retrying(`upload ${digest} to ${name.registry}/${name.repository}`, async () => {
      const session = await this.request(name, 'blobs/uploads/', { method: 'POST', access: 'pull,push', headers: { 'content-length': '0' }, retry: false });
      const location = session.headers.get('location');
      if (!location) throw new RegistryHttpError(`${registryBaseUrl(name.registry)}/v2/${name.repository}/blobs/uploads/`, session.status, 'no Location header for the upload', 'POST');
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

  /**
   * Retries 5xx, 429 (waiting as long as Retry-After asks, capped) and network failures that may
   * heal, with one log line per retry; a stall is retried once.
   */
  private async retrying<T>(what: string, task: () => Promise<T>): Promise<T> {
    const started = Date.now();
    let stalls = 0;
    try {
      return await withRetry(() => task(), {
        policy: { attempts: this.attempts, initialDelayMs: this.retryDelayMs, maxDelayMs: 30_000 },
        isRetryable: (error) => {
          if (error instanceof RequestTimeoutError) return ++stalls < 2;
          // A 4xx other than 429 is an answer (not found, denied), not a hiccup.
          if (error instanceof RegistryHttpError) return error.status >= 500 || error.status === 429;
          return !isLastingNetworkError(error);
        },
        delayFor: (error) => (error instanceof RegistryHttpError ? error.retryAfterMs : undefined),
        onRetry: (error, attempt, delayMs) => {
          const asked = error instanceof RegistryHttpError && error.retryAfterMs !== undefined ? ' (as Retry-After asks)' : '';
          this.log(`Retrying ${what}: ${retryReason(error)}; try ${attempt + 1} of ${this.attempts} in ${(delayMs / 1000).toFixed(1)} s${asked}`);
        },
      });
    } catch (error) {
      if (error instanceof RequestTimeoutError) throw new ActionError(`${what} failed: ${error.message}, on both tries`, { cause: error });
      if (!(error instanceof RetriesExhaustedError)) throw isLastingNetworkError(error) ? new ActionError(`${what} failed: ${networkErrorMessage(error)}`, { cause: error }) : error;
      const last = error.lastError;
      const seconds = Math.round((Date.now() - started) / 1000);
      if (last instanceof RegistryHttpError && last.status === 429) {
        throw last.withNote(`rate limited: the registry still answered 429 after ${error.attempts} attempts over ${seconds} s; wait and run again, or log in (anonymous clients get lower limits)`);
      }
      if (last instanceof RegistryHttpError) throw last;
      throw new ActionError(`${what} failed after ${error.attempts} attempts: ${networkErrorMessage(last)}`, { cause: last });
    }
  }

  private requestUrl(name: ImageName, url: string, options: RequestOptions): Promise<Response> {
    const method = options.method ?? 'GET';
    const access = options.access ?? 'pull';
    const scopeKey = `${registryKey(name.registry)}/${name.repository}:${access}`;
    // A blob upload (POST + PUT) is retried as a whole by putBlob; everything else is retried here.
    const attempt = async () => {
      let response = await this.send(url, method, options, scopeKey);
      if (response.status === 401) {
        const credential = await this.authenticate(name, response.headers.get('www-authenticate') ?? '', url, method, access);
        response = await this.send(url, method, options, scopeKey);
        if (credential && (response.status === 401 || response.status === 403)) throw new LoginRejectedError(name.registry, credential, response.status, `${method} ${url} answered HTTP ${response.status}`);
      }
      if (response.ok || options.expect?.includes(response.status)) return response;
      const body = method === 'HEAD' ? '' : await response.text().catch(() => '');
      throw new RegistryHttpError(url, response.status, body, method, parseRetryAfter(response.headers.get('retry-after')));
    };
    return options.retry === false ? attempt() : this.retrying(`${method} ${url}`, attempt);
  }

  private send(url: string, method: string, options: RequestOptions, scopeKey: string): Promise<Response> {
    const authorization = this.authorization.get(scopeKey);
    return timedFetch(url, {
      method,
      headers: { ...options.headers, ...(authorization ? { authorization } : {}) },
      ...(options.body !== undefined ? { body: options.body } : {}),
      name: `${method} ${new URL(url).pathname} on ${new URL(url).host}`,
      idleMs: this.idleTimeoutMs,
    });
  }

  /** Answers a 401's challenge; returns the credential it used (undefined: anonymous). */
  private async authenticate(name: ImageName, challenge: string, url: string, method: string, access: Access): Promise<Credential | undefined> {
    const { scheme, params } = parseAuthChallenge(challenge);
    const credential = await this.credentials(name.registry);
    const encoded = credential?.password ? Buffer.from(`${credential.username}:${credential.password}`).toString('base64') : undefined;
    if (encoded) this.maskSecret(encoded);
    const basic = encoded ? `Basic ${encoded}` : undefined;
    const scopeKey = `${registryKey(name.registry)}/${name.repository}:${access}`;
    if (scheme === 'basic') {
      if (!basic) throw new RegistryHttpError(url, 401, `${name.registry} wants a login and no credential source has one for it (docs/credentials.md)`, method);
      this.authorization.set(scopeKey, basic);
      return credential;
    }
    if (scheme !== 'bearer' || !params.realm) throw new RegistryHttpError(url, 401, `unsupported auth challenge "${challenge}"`, method);
    const token = await this.fetchToken(name, params, access, credential, basic);
    this.maskSecret(token);
    this.authorization.set(scopeKey, `Bearer ${token}`);
    return credential;
  }

  /** The token endpoint: an identity token is traded with the OAuth2 refresh grant, a password with Basic auth. */
  private async fetchToken(name: ImageName, params: Record<string, string>, access: Access, credential: Credential | undefined, basic: string | undefined): Promise<string> {
    const tokenUrl = new URL(params.realm!);
    const scope = `repository:${name.repository}:${access}`;
    const endpoint = tokenUrl.origin + tokenUrl.pathname;
    const request = { name: `token request to ${endpoint}`, idleMs: this.idleTimeoutMs };
    let response: Response;
    if (credential?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.identityToken, service: params.service ?? '', scope, client_id: 'go-slim-image' });
      response = await timedFetch(tokenUrl, { ...request, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    } else {
      if (params.service) tokenUrl.searchParams.set('service', params.service);
      tokenUrl.searchParams.set('scope', scope);
      response = await timedFetch(tokenUrl, { ...request, method: 'GET', headers: basic ? { authorization: basic } : {} });
    }
    if (credential && (response.status === 401 || response.status === 403)) throw new LoginRejectedError(name.registry, credential, response.status, `the token endpoint ${endpoint} answered HTTP ${response.status}`);
    if (!response.ok) throw new RegistryHttpError(endpoint, response.status, 'token request refused');
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryHttpError(endpoint, response.status, 'token response has no token');
    return token;
  }
}

export class RegistryHttpError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly body: string,
    readonly method = 'GET',
    /** The wait a 429/503 asked for (Retry-After), capped. */
    readonly retryAfterMs?: number,
    note?: string,
  ) {
    super(`${method} ${url} answered HTTP ${status}${body ? `: ${body.slice(0, 300).trim()}` : ''}${note ? `; ${note}` : ''}`);
    this.name = 'RegistryHttpError';
  }

  /** The same error with a sentence appended to its message. */
  withNote(note: string): RegistryHttpError {
    return new RegistryHttpError(this.url, this.status, this.body, this.method, this.retryAfterMs, note);
  }
}

/** Credentials were sent and refused (401/403, or the token endpoint refused them): named by source, never shown. */
export class LoginRejectedError extends RegistryHttpError {
  constructor(registry: string, credential: Credential, status: number, what: string) {
    super('', status, '');
    this.message = `login rejected by ${registry}: ${what} with the credential from ${credential.source}; check that login (user and password or token) and its permission to push`;
    this.name = 'LoginRejectedError';
  }
}

/**
 * Reads each manifest and image config once: the layer-reuse lookup and the baseline read both
 * start from the same tags before anything is pushed, and a registry that fails should be retried
 * once, not once per reader. Everything else goes straight through.
 */
export class ReadOnceRegistry implements Registry {
  private readonly manifests = new Map<string, Promise<{ manifest: Manifest; digest: string; bytes: number }>>();
  private readonly configs = new Map<string, Promise<unknown>>();

  constructor(private readonly inner: Registry) {}

  getManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string; bytes: number }> {
    const key = `${registryKey(name.registry)}/${name.repository}@${reference}`;
    let pending = this.manifests.get(key);
    if (!pending) {
      pending = this.inner.getManifest(name, reference);
      this.manifests.set(key, pending);
    }
    return pending;
  }

  findManifest(name: ImageName, reference: string): Promise<{ manifest: Manifest; digest: string } | undefined> {
    return findManifestIn(this, name, reference);
  }

  getJsonBlob(name: ImageName, digest: string): Promise<unknown> {
    const key = `${registryKey(name.registry)}/${name.repository}@${digest}`;
    let pending = this.configs.get(key);
    if (!pending) {
      pending = this.inner.getJsonBlob(name, digest);
      this.configs.set(key, pending);
      pending.catch(() => this.configs.delete(key));
    }
    return pending;
  }

  getManifestBytes(name: ImageName, reference: string): Promise<{ body: Buffer; mediaType: string; digest: string }> {
    return this.inner.getManifestBytes(name, reference);
  }

  listTags(name: ImageName): Promise<string[]> {
    return this.inner.listTags(name);
  }

  getBlob(name: ImageName, digest: string): Promise<Response> {
    return this.inner.getBlob(name, digest);
  }

  hasBlob(name: ImageName, digest: string): Promise<boolean> {
    return this.inner.hasBlob(name, digest);
  }

  mountBlob(name: ImageName, digest: string, fromRepository: string): Promise<boolean> {
    return this.inner.mountBlob(name, digest, fromRepository);
  }

  putBlob(name: ImageName, digest: string, data: Buffer): Promise<void> {
    return this.inner.putBlob(name, digest, data);
  }

  putManifest(name: ImageName, reference: string, mediaType: string, body: Buffer): Promise<string> {
    return this.inner.putManifest(name, reference, mediaType, body);
  }

  putReferrerManifest(name: ImageName, digest: string, mediaType: string, body: Buffer): Promise<{ digest: string; subjectProcessed: boolean }> {
    return this.inner.putReferrerManifest(name, digest, mediaType, body);
  }

  getReferrers(name: ImageName, digest: string): Promise<ImageIndex | undefined> {
    return this.inner.getReferrers(name, digest);
  }

  deleteManifest(name: ImageName, digest: string): Promise<boolean> {
    return this.inner.deleteManifest(name, digest);
  }
}
