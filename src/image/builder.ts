import { randomBytes } from 'node:crypto';
import { ActionError, CommandError } from '../errors.js';
import { execCommand } from '../exec.js';

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
}

/** `docker buildx version` prints e.g. "github.com/docker/buildx v0.38.2 1a2b3c"; returns "0.38.2". */
export function parseBuildxVersion(output: string): string | undefined {
  return /\bv?(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

export async function buildxVersion(): Promise<string> {
  try {
    const { stdout } = await execCommand('docker', ['buildx', 'version']);
    return parseBuildxVersion(stdout) ?? 'unknown';
  } catch (error) {
    throw new ActionError(BUILDX_MISSING, { cause: error });
  }
}

/**
 * Uses the named builder, or creates a remote-driver builder for a BuildKit endpoint, and checks
 * it answers, so an unreachable BuildKit fails the run before anything is compiled.
 */
export async function prepareBuilder(options: { builder: string; buildkitEndpoint: string }): Promise<Builder> {
  const version = await buildxVersion();
  let name = options.builder;
  let created = false;
  if (options.buildkitEndpoint) {
    name = `go-slim-image-${randomBytes(4).toString('hex')}`;
    await execCommand('docker', ['buildx', 'create', '--name', name, '--driver', 'remote', options.buildkitEndpoint]);
    created = true;
  }
  const target = options.buildkitEndpoint ? `BuildKit endpoint ${options.buildkitEndpoint}` : name ? `builder "${name}"` : 'the current buildx builder';
  try {
    await execCommand('docker', ['buildx', 'inspect', '--bootstrap', ...(name ? [name] : [])], { timeoutMs: BOOTSTRAP_TIMEOUT_MS });
  } catch (error) {
    if (created) await removeBuilder(name);
    const detail = error instanceof CommandError ? error.stderrTail : String(error);
    throw new ActionError(`Cannot reach ${target}: ${detail}`, { cause: error });
  }
  return { name, created, buildxVersion: version };
}

export async function removeBuilder(name: string): Promise<void> {
  await execCommand('docker', ['buildx', 'rm', '--force', name], { allowFailure: true });
}
