/** An image reference split the way registries address it. */
export interface ImageName {
  /** Registry host[:port] as written, e.g. `127.0.0.1:5000`, `ghcr.io`; `docker.io` when omitted. */
  registry: string;
  /** Repository path inside the registry, e.g. `acme/api` (Docker Hub singles get `library/`). */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Host labels may hold `-` but neither start nor end with it; an IPv6 address is bracketed. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const DOCKER_HUB = 'docker.io';
/** Docker Hub's old name, which Docker reads as docker.io. */
const LEGACY_DOCKER_HUB = 'index.docker.io';

export class ImageReferenceError extends Error {
  constructor(readonly value: string, reason: string) {
    super(reason);
    this.name = 'ImageReferenceError';
  }
}

/** The first character of `text` outside `allowed` (a one-character class), shown quoted; undefined when all are allowed. */
function firstBadCharacter(text: string, allowed: RegExp): string | undefined {
  const bad = [...text].find((char) => !allowed.test(char));
  return bad === undefined ? undefined : JSON.stringify(bad);
}

function componentProblem(part: string): string {
  const shown = `"${part}" is not a valid repository name component`;
  if (part === '') return `${shown}: it is empty (two slashes in a row, or one at an end)`;
  const bad = firstBadCharacter(part, /[a-z0-9._-]/);
  if (bad) {
    const what = /[A-Z]/.test(bad) ? 'upper case is' : `${bad} is`;
    return `${shown}: ${what} not allowed (lower-case letters, digits, and the separators . _ __ - between them)`;
  }
  return `${shown}: it must start and end with a letter or digit, with one . or _, two _, or dashes between them`;
}

/** Why `tag` is not a valid tag (for a value isValidTag refused). */
export function tagProblem(tag: string): string {
  const shown = `"${tag}" is not a valid tag`;
  const bad = firstBadCharacter(tag, /[A-Za-z0-9_.-]/);
  if (bad) return `${shown}: ${bad} is not allowed (letters, digits, _ . -)`;
  if (tag.length > 128) return `${shown}: it is longer than 128 characters`;
  return `${shown}: it must not be empty or start with . or -`;
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/**
 * Whether the first path component names a registry, as Docker decides: it holds a `.` or a `:`,
 * is `localhost`, or has upper-case letters (which a repository path never has).
 */
export function isRegistryHost(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
}

/** Parses `[registry/]repository[:tag][@digest]` with Docker's rules for where the registry ends. */
export function parseImageName(text: string): ImageName {
  const value = text.trim();
  if (!value) throw new ImageReferenceError(text, 'the image name is empty');
  let rest = value;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new ImageReferenceError(text, `"${digest}" is not a sha256 digest`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) throw new ImageReferenceError(text, tagProblem(tag));
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && isRegistryHost(parts[0]!)) {
    registry = parts.shift()!;
    if (!HOST.test(registry)) {
      const bad = firstBadCharacter(registry, /[A-Za-z0-9.:[\]-]/);
      const detail = bad ? `${bad} is not allowed` : 'each dot-separated label must start and end with a letter or digit';
      throw new ImageReferenceError(text, `"${registry}" is not a valid registry host: ${detail} (letters, digits, inner dashes, dots between labels, an optional :port)`);
    }
    const port = /:([0-9]+)$/.exec(registry)?.[1];
    if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) {
      throw new ImageReferenceError(text, `"${registry}" is not a valid registry host: port ${port} is not a TCP port (1-65535)`);
    }
    if (registry === LEGACY_DOCKER_HUB) registry = DOCKER_HUB;
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  for (const part of parts) {
    if (!COMPONENT.test(part)) throw new ImageReferenceError(text, componentProblem(part));
  }
  const repository = parts.join('/');
  if (repository.length > 255) throw new ImageReferenceError(text, 'the repository name is longer than 255 characters');
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `registry/repository` without tag or digest. */
export function repositoryRef(name: ImageName): string {
  return `${name.registry}/${name.repository}`;
}

export function formatImageName(name: ImageName): string {
  return repositoryRef(name) + (name.tag ? `:${name.tag}` : '') + (name.digest ? `@${name.digest}` : '');
}

/** Registries on the loopback interface are spoken to over plain HTTP, as Docker does. Host names are case-insensitive. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '').toLowerCase();
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
}

/** Base URL of the registry's HTTP API. */
export function registryBaseUrl(registry: string): string {
  if (registry.toLowerCase() === 'docker.io') return 'https://registry-1.docker.io';
  return `${isLoopbackRegistry(registry) ? 'http' : 'https'}://${registry}`;
}
