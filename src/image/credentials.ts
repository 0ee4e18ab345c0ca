import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecOptions, ExecResult } from '../exec.js';

/**
 * Registry credentials, from one chain: the docker config's `credHelpers` entry for the registry,
 * its `credsStore`, its `auths` entry (password or identity token), then, on GitHub Actions and
 * ghcr.io only, the `github-token` input. Every secret the chain yields is masked here, once.
 */

export interface Credential {
  username: string;
  password: string;
  /** An OAuth2 refresh token (docker's `identitytoken`, or a helper's `<token>` user), traded at the token endpoint. */
  identityToken?: string;
  /** Where it was read, for messages: never the secret. */
  source: string;
}

export type CredentialLookup = (registry: string) => Promise<Credential | undefined>;

export type RunCommand = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export interface CredentialChainOptions {
  /** Runs `docker-credential-NAME get` (the Tools exec seam). */
  run: RunCommand;
  env?: NodeJS.ProcessEnv;
  homedir?: string;
  platform?: NodeJS.Platform;
  readFile?: (file: string) => Promise<string>;
  /** The `github-token` input: the last resort for ghcr.io on GitHub Actions. */
  githubToken?: string;
  warn?: (message: string) => void;
  /** Called with every secret the chain yields, before it is returned. */
  mask?: (secret: string) => void;
  helperTimeoutMs?: number;
}

export const HELPER_TIMEOUT_MS = 30_000;

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_HOSTS = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io']);

/** A config key or registry as a bare lower-case host[:port]: `https://index.docker.io/v1/` → docker.io. */
export function registryKey(value: string): string {
  const host = value
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB : host;
}

function findEntry<T>(entries: Record<string, T> | undefined, registry: string): [string, T] | undefined {
  const wanted = registryKey(registry);
  return Object.entries(entries ?? {}).find(([key]) => registryKey(key) === wanted);
}

/** The server URL docker hands a credential helper: the registry host, or Docker Hub's legacy index URL. */
export function helperServerUrl(registry: string): string {
  const key = registryKey(registry);
  return key === DOCKER_HUB ? 'https://index.docker.io/v1/' : key;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv, homedir: string): string {
  return path.join(env.DOCKER_CONFIG || path.join(homedir, '.docker'), 'config.json');
}

/** A docker config `auths` entry as a credential: `username`/`password`, `auth` (base64 user:password), or `identitytoken`. */
export function authEntryCredential(entry: AuthEntry, source: string): Credential | undefined {
  let { username, password } = entry;
  if (entry.auth && !(username && password)) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  }
  if (entry.identitytoken) return { username: username ?? '', password: password ?? '', identityToken: entry.identitytoken, source };
  return username && password ? { username, password, source } : undefined;
}

/** A helper's `get` answer: {ServerURL, Username, Secret}; the user `<token>` means Secret is an identity token. */
export function helperCredential(stdout: string, source: string): Credential | undefined {
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(stdout) as typeof answer;
  } catch {
    throw new Error('answered something that is not JSON');
  }
  const username = typeof answer.Username === 'string' ? answer.Username : '';
  const secret = typeof answer.Secret === 'string' ? answer.Secret : '';
  if (!secret) return undefined;
  if (username === '<token>') return { username: '', password: '', identityToken: secret, source };
  return username ? { username, password: secret, source } : undefined;
}

/** "credentials not found" is the protocol's answer for a registry the store holds nothing for. */
const NOT_FOUND = /credentials not found/i;

async function askHelper(options: CredentialChainOptions, name: string, registry: string, source: string): Promise<Credential | undefined> {
  const program = `docker-credential-${name}${(options.platform ?? process.platform) === 'win32' ? '.exe' : ''}`;
  const timeoutMs = options.helperTimeoutMs ?? HELPER_TIMEOUT_MS;
  const warn = (why: string) => options.warn?.(`Registry login for ${registryKey(registry)}: ${source} ${why}; trying the next source.`);
  const started = Date.now();
  let result: ExecResult;
  try {
    result = await options.run(program, ['get'], { input: helperServerUrl(registry), allowFailure: true, timeoutMs, ...(options.env ? { env: options.env } : {}) });
  } catch (error) {
    warn(/not found|ENOENT/i.test(String(error)) ? `is not on PATH` : `could not run: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  if (result.exitCode !== 0) {
    if (NOT_FOUND.test(result.stdout + result.stderr)) return undefined;
    if (Date.now() - started >= timeoutMs) warn(`did not answer within ${timeoutMs / 1000} s`);
    else warn(`failed with exit code ${result.exitCode}: ${(result.stderr || result.stdout).trim().split('\n').slice(-2).join(' ').slice(0, 200)}`);
    return undefined;
  }
  try {
    return helperCredential(result.stdout, source);
  } catch (error) {
    warn(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

async function readDockerConfig(options: CredentialChainOptions, file: string): Promise<DockerConfig> {
  const read = options.readFile ?? ((name: string) => fs.readFile(name, 'utf8'));
  let text: string;
  try {
    text = await read(file);
  } catch {
    return {};
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch {
    options.warn?.(`The docker config ${file} is not valid JSON; its logins are ignored.`);
    return {};
  }
}

async function lookUp(options: CredentialChainOptions, registry: string): Promise<Credential | undefined> {
  const env = options.env ?? process.env;
  const file = dockerConfigPath(env, options.homedir ?? os.homedir());
  const config = await readDockerConfig(options, file);
  const helper = findEntry(config.credHelpers, registry);
  if (helper) {
    const found = await askHelper(options, helper[1], registry, `credHelpers: docker-credential-${helper[1]}`);
    if (found) return found;
  }
  if (config.credsStore) {
    const found = await askHelper(options, config.credsStore, registry, `credsStore: docker-credential-${config.credsStore}`);
    if (found) return found;
  }
  const auth = findEntry(config.auths, registry);
  const fromAuths = auth && authEntryCredential(auth[1], `auths in ${file}`);
  if (fromAuths) return fromAuths;
  if (env.GITHUB_ACTIONS === 'true' && registryKey(registry) === 'ghcr.io' && options.githubToken) {
    return { username: env.GITHUB_ACTOR || 'x-access-token', password: options.githubToken, source: 'github-token input' };
  }
  return undefined;
}

/** Every secret a credential carries, as a log could show it: the password, `user:password` in base64, the identity token. */
export function credentialSecrets(credential: Credential): string[] {
  const secrets = [credential.password, credential.identityToken ?? ''];
  if (credential.password) secrets.push(Buffer.from(`${credential.username}:${credential.password}`).toString('base64'));
  return secrets.filter(Boolean);
}

/** The chain, read once per registry (case-insensitive), each credential masked before it is handed out. */
export function credentialChain(options: CredentialChainOptions): CredentialLookup {
  const found = new Map<string, Promise<Credential | undefined>>();
  return (registry) => {
    const key = registryKey(registry);
    let pending = found.get(key);
    if (!pending) {
      pending = lookUp(options, registry).then((credential) => {
        if (credential) for (const secret of credentialSecrets(credential)) options.mask?.(secret);
        return credential;
      });
      found.set(key, pending);
    }
    return pending;
  };
}
