import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import semver from 'semver';
import { ActionError, CommandError } from '../errors.js';
import { tailLines } from '../exec.js';
import type { Exec } from '../tools.js';

const BUILDX_MISSING =
  'docker buildx is not available: install the buildx plugin (for example with docker/setup-buildx-action, ' +
  'or put the buildx binary at ~/.docker/cli-plugins/docker-buildx).';

/** How long a builder may take to answer before it is called unreachable. */
const BOOTSTRAP_TIMEOUT_MS = 60_000;

export interface Builder {
  /** Name for --builder; empty means the current builder. */
  name: string;
  /** True when this run created it (and the post step removes it). */
  created: boolean;
  buildxVersion: string;
  /** The builder's driver (`remote`, `docker-container`, …). */
  driver: string;
  /** The lowest BuildKit version among its nodes, as printed (`v0.34.2`); absent when unknown. */
  buildkitVersion?: string;
  /** Every platform its nodes can run (`linux/amd64`, `linux/arm64`, …), natively or emulated. */
  platforms: string[];
}

/** `docker buildx version` prints e.g. "github.com/docker/buildx v0.38.2 1a2b3c"; returns "0.38.2". */
export function parseBuildxVersion(output: string): string | undefined {
  return /\bv?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

export async function buildxVersion(exec: Exec): Promise<string> {
  try {
    const { stdout } = await exec('docker', ['buildx', 'version']);
    return parseBuildxVersion(stdout) ?? 'unknown';
  } catch (error) {
    throw new ActionError(BUILDX_MISSING, { cause: error });
  }
}

/** One node of a builder, as `docker buildx inspect` prints it. */
export interface BuilderNode {
  name: string;
  endpoint: string;
  status?: string;
  /** `v0.34.2`, as printed; absent when the node is not running. */
  buildkitVersion?: string;
  platforms: string[];
  error?: string;
}

/** What `docker buildx inspect [name]` says about a builder. */
export interface BuilderInfo {
  name: string;
  /** `docker`, `docker-container`, `kubernetes`, `remote`, …; empty when buildx could not load it. */
  driver: string;
  /** The builder-level `Error:` line (unreachable daemon, missing builder). */
  error?: string;
  nodes: BuilderNode[];
}

/**
 * Parses the text of `docker buildx inspect` (pure). The output is a tabwriter table: builder
 * fields, then `Nodes:` and one block per node; indented lines (labels, GC policy) are skipped.
 */
export function parseBuildxInspect(output: string): BuilderInfo {
  const info: BuilderInfo = { name: '', driver: '', nodes: [] };
  let node: BuilderNode | undefined;
  let inNodes = false;
  for (const raw of output.split('\n')) {
    if (!raw.trim() || /^\s/.test(raw)) continue;
    if (raw.trim() === 'Nodes:') {
      inNodes = true;
      continue;
    }
    const match = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(raw);
    if (!match) continue;
    const [, key, value] = match as unknown as [string, string, string];
    if (!inNodes) {
      if (key === 'Name') info.name = value.trim();
      else if (key === 'Driver') info.driver = value.trim();
      else if (key === 'Error') info.error = value.trim();
      continue;
    }
    if (key === 'Name') {
      node = { name: value.trim(), endpoint: '', platforms: [] };
      info.nodes.push(node);
    } else if (node) {
      if (key === 'Endpoint') node.endpoint = value.trim();
      else if (key === 'Status') node.status = value.trim();
      else if (key === 'BuildKit version' || key === 'BuildKit') node.buildkitVersion = value.trim();
      else if (key === 'Platforms') node.platforms = value.split(',').map((p) => p.trim().replace(/\*$/, '')).filter(Boolean);
      else if (key === 'Error') node.error = value.trim();
    }
  }
  return info;
}

/** What to do about the builder (see decideBuilder). */
export type BuilderDecision =
  | { kind: 'use'; name: string; warning?: string }
  | { kind: 'create-remote'; endpoint: string }
  | { kind: 'create-container'; note: string }
  | { kind: 'error'; message: string };

/**
 * Chooses the builder (pure): a BuildKit endpoint gets a remote-driver builder; a named builder is
 * used as it is; with neither, the current builder is used unless its driver is `docker`, which
 * cannot export a registry cache nor (without the containerd image store) the OCI layout this
 * action pushes from: then a `docker-container` builder is created for the run.
 */
export function decideBuilder(request: { builder: string; buildkitEndpoint: string }, inspected: BuilderInfo | undefined): BuilderDecision {
  if (request.buildkitEndpoint) return { kind: 'create-remote', endpoint: request.buildkitEndpoint };
  const label = request.builder ? `builder "${request.builder}"` : `the current buildx builder${inspected?.name ? ` "${inspected.name}"` : ''}`;
  if (!inspected) return { kind: 'error', message: `Cannot inspect ${label}.` };
  const nodeError = inspected.nodes.find((n) => n.error)?.error;
  if (inspected.error || !inspected.driver) {
    const hint = request.builder ? 'check the name with `docker buildx ls`' : 'set up a builder (docker/setup-buildx-action) or pass the builder or buildkit-endpoint input';
    return { kind: 'error', message: `Cannot use ${label}: ${inspected.error ?? 'buildx reports no driver'}; ${hint}.` };
  }
  if (inspected.driver === 'docker') {
    if (request.builder) {
      return {
        kind: 'use',
        name: request.builder,
        warning: `${label} uses the docker driver, which cannot export a registry cache nor an OCI layout unless the Docker daemon uses the containerd image store; leave builder empty to let the action create a docker-container builder.`,
      };
    }
    return {
      kind: 'create-container',
      note: `${label} uses the docker driver, which cannot export the OCI layout the action pushes from (unless the daemon uses the containerd image store): creating a docker-container builder for this run (removed in the post step).`,
    };
  }
  if (nodeError && inspected.nodes.every((n) => n.error)) return { kind: 'error', message: `Cannot use ${label}: ${nodeError}.` };
  return { kind: 'use', name: request.builder };
}

/** `docker buildx create` argv for a builder the action owns (pure). */
export function createBuilderArgs(decision: { kind: 'create-remote'; endpoint: string } | { kind: 'create-container' }, name: string): string[] {
  if (decision.kind === 'create-remote') return ['buildx', 'create', '--name', name, '--driver', 'remote', decision.endpoint];
  // network=host: the BuildKit container reaches registries on the runner's loopback (service containers).
  return ['buildx', 'create', '--name', name, '--driver', 'docker-container', '--driver-opt', 'network=host'];
}

/** `0.38.2` from `v0.38.2`, `0.38.2-desktop.1`; undefined for dev builds (`v0.0.0+unknown`) and unparsable text. */
export function releaseVersion(text: string | undefined): string | undefined {
  const version = semver.coerce(text ?? '');
  return version && version.version !== '0.0.0' ? version.version : undefined;
}

/** a >= b for `x.y.z` versions; an unknown installed version counts as new enough. */
export function versionAtLeast(installed: string | undefined, needed: string): boolean {
  const have = releaseVersion(installed);
  return !have || semver.gte(have, releaseVersion(needed)!);
}

/** What a feature of the build needs from buildx (the client) and BuildKit (the daemon). */
export interface Feature {
  label: string;
  buildx?: string;
  buildkit?: string;
}

export const FEATURES = {
  buildContext: { label: '--build-context (named build contexts)', buildx: '0.8.0' },
  zstd: { label: 'zstd layer compression', buildkit: '0.10.0' },
  attestations: { label: 'provenance and SBOM attestations (--provenance, --sbom)', buildx: '0.10.0', buildkit: '0.11.0' },
  cacheIgnoreError: { label: 'cache-to ignore-error=true', buildkit: '0.11.0' },
  annotations: { label: '--annotation', buildx: '0.12.0', buildkit: '0.11.0' },
  cacheImageManifest: { label: 'registry cache as an image manifest (image-manifest=true)', buildkit: '0.12.0' },
  imagetoolsAnnotations: { label: 'imagetools create --annotation', buildx: '0.12.0' },
  rewriteTimestamp: { label: 'rewrite-timestamp=true (constant layer times)', buildkit: '0.13.0' },
  ghaCache: { label: 'the GitHub Actions cache backend (cache service API v2)', buildx: '0.21.0', buildkit: '0.20.0' },
} as const satisfies Record<string, Feature>;

export type FeatureName = keyof typeof FEATURES;

export interface Versions {
  buildx: string;
  /** The lowest BuildKit version among the builder's nodes; undefined when unknown. */
  buildkit?: string;
}

/** A feature the run would use; `input` names the input that asked for it explicitly. */
export interface FeatureUse {
  feature: FeatureName;
  input?: string;
}

export interface FeatureCheck {
  /** Features the installed versions lack: leave them out of the build. */
  unsupported: FeatureName[];
  warnings: string[];
  errors: string[];
}

/**
 * Checks wanted features against the installed versions (pure): a missing feature the action uses by
 * default is a warning (the caller leaves it out), one an input asked for is an error. Dev builds
 * (`v0.0.0+unknown`) count as new enough.
 */
export function checkFeatures(versions: Versions, uses: readonly FeatureUse[]): FeatureCheck {
  const result: FeatureCheck = { unsupported: [], warnings: [], errors: [] };
  for (const use of uses) {
    const feature: Feature = FEATURES[use.feature];
    const missing: string[] = [];
    if (feature.buildx && !versionAtLeast(versions.buildx, feature.buildx)) missing.push(`buildx ${feature.buildx} (installed: ${versions.buildx})`);
    if (feature.buildkit && !versionAtLeast(versions.buildkit, feature.buildkit)) missing.push(`BuildKit ${feature.buildkit} (builder runs ${versions.buildkit})`);
    if (missing.length === 0) continue;
    result.unsupported.push(use.feature);
    const needs = `${feature.label} needs ${missing.join(' and ')} or later`;
    if (use.input) result.errors.push(`Input '${use.input}' asks for ${needs}: update buildx (docker/setup-buildx-action) or the builder.`);
    else result.warnings.push(`${needs}; building without it.`);
  }
  return result;
}

/** The lowest BuildKit version among running nodes. */
export function builderBuildkitVersion(info: BuilderInfo): string | undefined {
  const versions = info.nodes.map((n) => n.buildkitVersion).filter((v): v is string => Boolean(v));
  const known = versions.flatMap((v) => {
    const release = releaseVersion(v);
    return release ? [{ v, release }] : [];
  });
  if (known.length === 0) return versions[0];
  known.sort((a, b) => semver.compare(a.release, b.release));
  return known[0]!.v;
}

export interface PrepareBuilderOptions {
  builder: string;
  buildkitEndpoint: string;
}

/** Messages for the log, so preparing a builder needs no reporter. */
export interface BuilderLog {
  info(message: string): void;
  warning(message: string): void;
}

const silentLog: BuilderLog = { info: () => undefined, warning: () => undefined };

/** How long a tcp:// BuildKit endpoint may take to accept a connection. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A quick look at a unix:// or tcp:// endpoint before buildx is asked (buildx waits ~20 s and then
 * reports a deadline): a missing socket or a refused port fails in milliseconds with the real cause.
 */
export async function probeEndpoint(endpoint: string): Promise<string | undefined> {
  const unix = /^unix:\/\/(.+)$/.exec(endpoint);
  if (unix) {
    const stat = await fs.stat(unix[1]!).catch(() => undefined);
    if (!stat) return `no socket at ${unix[1]}`;
    return stat.isSocket() ? undefined : `${unix[1]} is not a socket`;
  }
  const tcp = /^tcp:\/\/([^:/]+|\[[^\]]+\]):(\d+)/.exec(endpoint);
  if (!tcp) return undefined;
  const host = tcp[1]!.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(tcp[2]) });
    const done = (problem?: string) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => done(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`));
    socket.once('connect', () => done());
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/**
 * Uses the named builder, creates a remote-driver builder for a BuildKit endpoint, or creates a
 * docker-container builder when the current one uses the docker driver (see decideBuilder), and
 * checks it answers, so an unreachable BuildKit fails the run before anything is compiled.
 */
export async function prepareBuilder(options: PrepareBuilderOptions, exec: Exec, log: BuilderLog = silentLog): Promise<Builder> {
  if (options.buildkitEndpoint) {
    const problem = await probeEndpoint(options.buildkitEndpoint);
    if (problem) throw new ActionError(`Cannot reach BuildKit endpoint ${options.buildkitEndpoint}: ${problem}. Check the buildkit-endpoint input and that buildkitd is running.`);
  }
  const inspecting = options.buildkitEndpoint
    ? Promise.resolve(undefined)
    : // No docker at all: buildxVersion's "install the buildx plugin" is the message to give, not this spawn error.
      exec('docker', ['buildx', 'inspect', ...(options.builder ? [options.builder] : [])], { allowFailure: true, timeoutMs: BOOTSTRAP_TIMEOUT_MS }).catch(() => undefined);
  const [version, result] = await Promise.all([buildxVersion(exec), inspecting]);
  let inspected: BuilderInfo | undefined;
  if (result) {
    inspected = parseBuildxInspect(result.stdout);
    if (result.exitCode !== 0) inspected.error ??= tailLines(result.stderr || result.stdout, 3).replace(/^ERROR:\s*/, '');
  }
  const decision = decideBuilder(options, inspected);
  if (decision.kind === 'error') throw new ActionError(decision.message);
  let name = '';
  let created = false;
  if (decision.kind === 'use') {
    name = decision.name;
    if (decision.warning) log.warning(decision.warning);
  } else {
    name = `go-slim-image-${randomBytes(4).toString('hex')}`;
    if (decision.kind === 'create-container') log.info(decision.note);
    await exec('docker', createBuilderArgs(decision, name));
    created = true;
  }
  const target = options.buildkitEndpoint ? `BuildKit endpoint ${options.buildkitEndpoint}` : name ? `builder "${name}"` : 'the current buildx builder';
  // A builder that already answered with every node running needs no second, bootstrapping inspect.
  if (decision.kind === 'use' && inspected && isRunning(inspected)) return builderOf(name, false, version, inspected, inspected);
  let booted: BuilderInfo;
  try {
    const { stdout } = await exec('docker', ['buildx', 'inspect', '--bootstrap', ...(name ? [name] : [])], { timeoutMs: BOOTSTRAP_TIMEOUT_MS });
    booted = parseBuildxInspect(stdout);
  } catch (error) {
    if (created) await removeBuilder(name, exec);
    const detail = error instanceof CommandError ? error.stderrTail : String(error);
    throw new ActionError(`Cannot reach ${target}: ${detail}`, { cause: error });
  }
  return builderOf(name, created, version, booted, inspected);
}

/** Whether `docker buildx inspect` (without --bootstrap) shows a builder that is up: no error, every node running. */
export function isRunning(info: BuilderInfo): boolean {
  return !info.error && info.nodes.length > 0 && info.nodes.every((node) => node.status === 'running' && !node.error);
}

function builderOf(name: string, created: boolean, version: string, booted: BuilderInfo, inspected: BuilderInfo | undefined): Builder {
  const buildkitVersion = builderBuildkitVersion(booted);
  const platforms = [...new Set(booted.nodes.flatMap((node) => node.platforms))];
  return { name, created, buildxVersion: version, driver: booted.driver || inspected?.driver || '', platforms, ...(buildkitVersion ? { buildkitVersion } : {}) };
}

export async function removeBuilder(name: string, exec: Exec): Promise<void> {
  await exec('docker', ['buildx', 'rm', '--force', name], { allowFailure: true });
}
