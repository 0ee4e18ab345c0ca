import { promises as fs } from 'node:fs';
import type { SetupQemu } from '../config/build.js';
import { ActionError, CommandError } from '../errors.js';
import { formatPlatform, type Platform } from '../platform.js';
import type { Exec } from '../tools.js';

/**
 * QEMU for a user's Dockerfile (`dockerfile:`): a `RUN` in a stage built for the target platform
 * runs that platform's programs, which a builder can only do natively or through binfmt_misc
 * emulators. docker/setup-qemu-action registers them before a build-push-action step; here the
 * need is found before the build, from the platforms the builder reports. The generated
 * Dockerfiles never need it: prebuilt mode only copies files, source mode compiles on the build
 * platform, and the direct engine runs nothing.
 */

/** The image docker/setup-qemu-action runs to register the emulators (its default). */
export const BINFMT_IMAGE = 'docker.io/tonistiigi/binfmt:latest';

/** `linux/arm` is `linux/arm/v7` and `linux/arm64/v8` is `linux/arm64`, as BuildKit lists them. */
function platformKey(text: string): string {
  const [os = '', arch = '', variant] = text.trim().toLowerCase().split('/');
  if (arch === 'arm' && !variant) return `${os}/arm/v7`;
  if ((arch === 'arm64' && variant === 'v8') || (arch === 'amd64' && variant === 'v1')) return `${os}/${arch}`;
  return [os, arch, variant].filter(Boolean).join('/');
}

/** The requested platforms the builder does not list (pure). */
export function missingPlatforms(requested: readonly Platform[], builderPlatforms: readonly string[]): Platform[] {
  const have = new Set(builderPlatforms.map(platformKey));
  return requested.filter((platform) => !have.has(platformKey(formatPlatform(platform))));
}

interface Stage {
  name: string;
  /** Runs on the build platform: `FROM --platform=$BUILDPLATFORM`, or from a stage that does. */
  onBuildPlatform: boolean;
  runs: boolean;
}

/**
 * Whether a Dockerfile has a `RUN` in a stage built for the target platform (pure). A stage whose
 * `FROM` says `--platform=$BUILDPLATFORM` (or starts from such a stage) runs on the builder's own
 * platform; any other `RUN` needs the target's. Every stage counts, used by the target or not.
 */
export function runsOnTargetPlatform(dockerfile: string): boolean {
  const stages: Stage[] = [];
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const line of instructions) {
    const from = /^FROM\s+(.*)$/i.exec(line);
    if (from) {
      const words = from[1]!.split(/\s+/);
      const platform = words.find((word) => /^--platform=/i.test(word))?.slice('--platform='.length);
      const image = words.find((word) => !word.startsWith('--')) ?? '';
      const as = /\bAS\s+(\S+)\s*$/i.exec(from[1]!)?.[1]?.toLowerCase() ?? '';
      const parent = stages.find((stage) => stage.name === image.toLowerCase());
      const onBuildPlatform = platform ? /^\$\{?BUILDPLATFORM\}?$/.test(platform) : (parent?.onBuildPlatform ?? false);
      stages.push({ name: as, onBuildPlatform, runs: false });
      continue;
    }
    if (/^RUN\s/i.test(line) && stages.length > 0) stages.at(-1)!.runs = true;
  }
  return stages.some((stage) => stage.runs && !stage.onBuildPlatform);
}

export type EmulationDecision =
  | { kind: 'none' }
  /** Register these emulators (binfmt `--install` names) and build. */
  | { kind: 'install'; arches: string[]; platforms: string[] }
  | { kind: 'error'; message: string };

export interface EmulationFacts {
  /** The Dockerfile runs a `RUN` in a target-platform stage (runsOnTargetPlatform). */
  runsOnTarget: boolean;
  requested: readonly Platform[];
  /** Every platform the builder's nodes list. */
  builderPlatforms: readonly string[];
  setting: SetupQemu;
}

/**
 * Whether the build needs emulators the builder lacks, and what to do (pure): nothing when the
 * Dockerfile runs nothing for the target or the builder lists every platform; with `setup-qemu:
 * auto`, register them; otherwise fail before the build, naming the platforms and the fix.
 */
export function decideEmulation(facts: EmulationFacts): EmulationDecision {
  if (!facts.runsOnTarget) return { kind: 'none' };
  const missing = missingPlatforms(facts.requested, facts.builderPlatforms);
  if (missing.length === 0) return { kind: 'none' };
  const platforms = missing.map(formatPlatform);
  if (facts.setting === 'auto') return { kind: 'install', arches: [...new Set(missing.map((p) => p.arch))], platforms };
  const listed = facts.builderPlatforms.length > 0 ? facts.builderPlatforms.join(', ') : 'none';
  return {
    kind: 'error',
    message:
      `Your Dockerfile has a RUN step in a stage built for the target platform, and the builder cannot run ${platforms.join(', ')} (it lists ${listed}). ` +
      'Add docker/setup-qemu-action before this step (before docker/setup-buildx-action when you use it), or set setup-qemu: auto to let the action register the emulators ' +
      '(it runs docker run --privileged tonistiigi/binfmt --install, which needs a Docker daemon), or build that stage with FROM --platform=$BUILDPLATFORM and cross-compile.',
  };
}

/** `docker run` argv that registers the emulators, as docker/setup-qemu-action does (pure). */
export function binfmtInstallArgs(arches: readonly string[]): string[] {
  return ['run', '--privileged', '--rm', BINFMT_IMAGE, '--install', arches.join(',')];
}

/** How long registering the emulators (pulling the binfmt image included) may take. */
const BINFMT_TIMEOUT_MS = 180_000;

export interface EmulationRequest {
  /** The user's Dockerfile (absolute path). */
  dockerfile: string;
  platforms: readonly Platform[];
  setting: SetupQemu;
  /** What the builder lists (Builder.platforms). */
  builderPlatforms: readonly string[];
}

/**
 * Before a build of the user's Dockerfile: fails at once when a RUN needs a platform the builder
 * cannot run, or registers the emulators when `setup-qemu: auto` allows it.
 */
export async function ensureEmulation(request: EmulationRequest, exec: Exec, log: { info(message: string): void }): Promise<void> {
  const runsOnTarget = runsOnTargetPlatform(await fs.readFile(request.dockerfile, 'utf8'));
  const decision = decideEmulation({ runsOnTarget, requested: request.platforms, builderPlatforms: request.builderPlatforms, setting: request.setting });
  if (decision.kind === 'none') return;
  if (decision.kind === 'error') throw new ActionError(decision.message);
  log.info(`The builder cannot run ${decision.platforms.join(', ')}, which your Dockerfile's RUN steps need: registering QEMU emulators (setup-qemu: auto)`);
  try {
    await exec('docker', binfmtInstallArgs(decision.arches), { timeoutMs: BINFMT_TIMEOUT_MS });
  } catch (error) {
    const detail = error instanceof CommandError ? error.stderrTail : String(error);
    throw new ActionError(
      `setup-qemu: auto could not register the QEMU emulators for ${decision.platforms.join(', ')} (docker ${binfmtInstallArgs(decision.arches).join(' ')}): ${detail}
` +
        'It needs a Docker daemon that may run privileged containers; on a runner without one, add docker/setup-qemu-action before this step, or build only the platforms the builder lists.',
      { cause: error },
    );
  }
  log.info(`Registered QEMU emulators for ${decision.arches.join(', ')}`);
}
