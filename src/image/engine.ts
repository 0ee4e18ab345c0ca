import type { Config } from '../config.js';
import { InputError } from '../errors.js';
import { Inputs } from '../inputs.js';
import { ENGINES, type EngineChoice } from '../config/build.js';
import type { Exec, Tools } from '../tools.js';

/** The `engine` input: who assembles the image. */
export { ENGINES, type EngineChoice };
export type Engine = Exclude<EngineChoice, 'auto'>;

export interface EngineFacts {
  choice: EngineChoice;
  /** `builder` and `buildkit-endpoint` inputs (empty when not given). */
  builder: string;
  buildkitEndpoint: string;
  /** process.platform of the runner or machine. */
  os: NodeJS.Platform;
  /** Whether `docker buildx version` works here; only asked for under `auto` without a builder. */
  hasBuildx: () => Promise<boolean>;
  /** What the image is built from: the direct engine only assembles prebuilt binaries. */
  build: 'prebuilt' | 'source' | 'dockerfile';
}

export interface EngineDecision {
  engine: Engine;
  /** For the log: why this engine. */
  reason: string;
}

function needsBuildKit(build: EngineFacts['build'], why: string): InputError {
  const input = build === 'source' ? Inputs.dockerfileMode.name : Inputs.dockerfile.name;
  const value = build === 'source' ? 'source' : 'a Dockerfile';
  return new InputError(
    Inputs.engine.name,
    why,
    `buildx when ${input} is ${value}: ${build === 'source' ? 'the source mode compiles inside BuildKit' : 'a Dockerfile of your own needs BuildKit to run it'}. ` +
      `Set engine: buildx with a builder or buildkit-endpoint (or docker and the buildx plugin on a Linux runner), ` +
      `or leave ${input} unset so the direct engine can build the image from the binaries compiled on the runner`,
  );
}

/**
 * Picks the engine (side effects only through `hasBuildx`). `auto`: buildx when a builder or a
 * BuildKit endpoint is given, or on Linux with the docker CLI and its buildx plugin; direct
 * otherwise (macOS and Windows runners, machines without Docker). The direct engine builds only
 * the prebuilt mode, so the source mode and a user's Dockerfile fail here, before anything slow.
 */
export async function decideEngine(facts: EngineFacts): Promise<EngineDecision> {
  const prebuilt = facts.build === 'prebuilt';
  if (facts.choice === 'buildx') return { engine: 'buildx', reason: 'engine: buildx' };
  if (facts.choice === 'direct') {
    if (!prebuilt) throw needsBuildKit(facts.build, 'direct');
    return { engine: 'direct', reason: 'engine: direct' };
  }
  if (facts.builder) return { engine: 'buildx', reason: `auto: the builder input names ${facts.builder}` };
  if (facts.buildkitEndpoint) return { engine: 'buildx', reason: `auto: buildkit-endpoint is ${facts.buildkitEndpoint}` };
  if (facts.os === 'linux' && (await facts.hasBuildx())) return { engine: 'buildx', reason: 'auto: docker and its buildx plugin are on this Linux machine' };
  const why = facts.os === 'linux' ? 'no docker CLI with the buildx plugin on PATH' : `${facts.os === 'win32' ? 'Windows' : facts.os === 'darwin' ? 'macOS' : facts.os} runs no Linux BuildKit here`;
  if (!prebuilt) throw needsBuildKit(facts.build, `auto (${why}, no builder or buildkit-endpoint)`);
  return { engine: 'direct', reason: `auto: ${why}, and no builder or buildkit-endpoint is given` };
}

/** True when `docker buildx version` runs: the docker CLI is on PATH and has the buildx plugin. */
export async function dockerHasBuildx(exec: Exec): Promise<boolean> {
  try {
    await exec('docker', ['buildx', 'version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Inputs the direct engine cannot honour, as errors naming the input (pure). Attestations are
 * BuildKit's; zstd would not give buildx's bytes; the rest only mean something to a Dockerfile.
 */
export function directEngineProblems(config: Config): InputError[] {
  const problems: InputError[] = [];
  const needsBuildx = (input: string, value: string, accepted: string) => problems.push(new InputError(input, value, `${accepted} with the direct engine (or engine: buildx with a builder)`));
  if (config.attestations === 'buildkit' && (config.provenance !== 'false' || config.sbom)) {
    needsBuildx(Inputs.attestations.name, config.attestations, 'referrers (the default: SBOM and provenance attached beside the image by either engine); BuildKit\'s in-index attestations need BuildKit');
  }
  if (config.compression.algorithm !== 'gzip') needsBuildx(Inputs.compression.name, config.compression.algorithm, 'gzip');
  if (config.target) needsBuildx(Inputs.target.name, config.target, 'empty: there is no Dockerfile stage to pick');
  return problems;
}

/** Decides the engine for this run, logs which and why, and fails on inputs the direct engine cannot build. */
export async function chooseEngine(config: Config, tools: Pick<Tools, 'exec' | 'reporter'>): Promise<Engine> {
  const decision = await decideEngine({
    choice: config.engine,
    builder: config.builder,
    buildkitEndpoint: config.buildkitEndpoint,
    os: process.platform,
    hasBuildx: () => dockerHasBuildx(tools.exec),
    build: config.build.kind,
  });
  tools.reporter.info(`Engine: ${decision.engine} (${decision.reason})`);
  if (decision.engine === 'direct') {
    const [problem] = directEngineProblems(config);
    if (problem) throw problem;
  }
  return decision.engine;
}

/** The engine of a `mode: merge` job, which builds nothing: direct composes the index through the registry API. */
export async function chooseMergeEngine(config: Config, tools: Pick<Tools, 'exec' | 'reporter'>): Promise<Engine> {
  const decision = await decideEngine({ choice: config.engine, builder: config.builder, buildkitEndpoint: config.buildkitEndpoint, os: process.platform, hasBuildx: () => dockerHasBuildx(tools.exec), build: 'prebuilt' });
  tools.reporter.info(`Engine: ${decision.engine} (${decision.reason})`);
  return decision.engine;
}
