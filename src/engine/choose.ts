import type { Config } from '../config.js';
import type { EngineChoice } from '../config/build.js';
import { ActionError, InputError } from '../errors.js';
import { buildxVersion, isRunning, parseBuildxInspect } from '../image/builder.js';
import { Inputs } from '../inputs.js';
import type { Exec, Tools } from '../tools.js';
import { buildxEngine, planFeatures } from './buildx.js';
import { directEngine } from './direct.js';
import type { EngineName, ImageEngine } from './engine.js';


/** The current buildx builder as a quick `docker buildx inspect` shows it. */
export interface CurrentBuilder {
  name: string;
  driver: string;
  /** No error and every node running. */
  running: boolean;
}

export interface EngineFacts {
  choice: EngineChoice;
  /** `builder` and `buildkit-endpoint` inputs (empty when not given). */
  builder: string;
  buildkitEndpoint: string;
  /** What the image is built from: the direct engine only assembles prebuilt binaries. */
  build: 'prebuilt' | 'source' | 'dockerfile';
  /** Inputs only BuildKit can honour (see directEngineProblems). */
  buildkitInputs: readonly InputError[];
  /** The current buildx builder; undefined when there is no docker, no buildx or no daemon. Asked only when nothing else decides. */
  currentBuilder: () => Promise<CurrentBuilder | undefined>;
}

export interface EngineDecision {
  engine: EngineName;
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

/** Why the inputs need BuildKit under `auto`, or undefined when the direct engine can build them. */
function buildkitReason(facts: EngineFacts): string | undefined {
  if (facts.builder) return `the builder input names ${facts.builder}`;
  if (facts.buildkitEndpoint) return `buildkit-endpoint is ${facts.buildkitEndpoint}`;
  if (facts.build === 'source') return 'dockerfile-mode: source compiles inside BuildKit';
  if (facts.build === 'dockerfile') return 'a Dockerfile of your own needs BuildKit to run it';
  const [input] = facts.buildkitInputs;
  return input ? `${input.input}: ${input.value} needs BuildKit` : undefined;
}

/**
 * Picks the engine (side effects only through `currentBuilder`). `auto` picks direct whenever the
 * inputs need no BuildKit, on every OS; buildx when a builder or BuildKit endpoint is given, when
 * the inputs need BuildKit (source mode, your Dockerfile, BuildKit's attestations, a target), or
 * when the current buildx builder is up and is not the docker driver (someone set buildx up on
 * purpose). A Docker daemon that is down reads as "no builder": it never fails a direct build.
 */
export async function decideEngine(facts: EngineFacts): Promise<EngineDecision> {
  if (facts.choice === 'buildx') return { engine: 'buildx', reason: 'engine: buildx' };
  if (facts.choice === 'direct') {
    if (facts.build !== 'prebuilt') throw needsBuildKit(facts.build, 'direct');
    return { engine: 'direct', reason: 'engine: direct' };
  }
  const needs = buildkitReason(facts);
  if (needs) return { engine: 'buildx', reason: `auto: ${needs}` };
  const current = await facts.currentBuilder();
  if (current?.running && current.driver !== 'docker') {
    return { engine: 'buildx', reason: `auto: the current buildx builder ${current.name} (${current.driver} driver) is running, set up on purpose` };
  }
  const builderState = !current ? 'no buildx builder answers here' : current.driver === 'docker' ? `the current buildx builder ${current.name} is the docker driver` : `the current buildx builder ${current.name} is not running`;
  return { engine: 'direct', reason: `auto: the inputs need no BuildKit, no builder or buildkit-endpoint is given, and ${builderState}` };
}

/** How long the quick look at the current builder may take: a daemon that does not answer reads as none. */
const CURRENT_BUILDER_TIMEOUT_MS = 5_000;

/** The current buildx builder, from `docker buildx inspect` without bootstrapping; undefined when docker, buildx or the daemon is missing. */
export async function inspectCurrentBuilder(exec: Exec): Promise<CurrentBuilder | undefined> {
  try {
    const result = await exec('docker', ['buildx', 'inspect'], { allowFailure: true, timeoutMs: CURRENT_BUILDER_TIMEOUT_MS });
    const info = parseBuildxInspect(result.stdout);
    if (result.exitCode !== 0 || info.error || !info.driver) return undefined;
    return { name: info.name, driver: info.driver, running: isRunning(info) };
  } catch {
    return undefined;
  }
}

/**
 * Inputs the direct engine cannot honour, as errors naming the input (pure). Attestations are
 * BuildKit's; the rest only mean something to a Dockerfile.
 */
export function directEngineProblems(config: Config): InputError[] {
  const problems: InputError[] = [];
  const needsBuildx = (input: string, value: string, accepted: string) => problems.push(new InputError(input, value, `${accepted} with the direct engine (or engine: buildx with a builder)`));
  if (config.attestations === 'buildkit' && (config.provenance !== 'false' || config.sbom)) {
    needsBuildx(Inputs.attestations.name, config.attestations, "referrers (the default: SBOM and provenance attached beside the image by either engine); BuildKit's in-index attestations need BuildKit");
  }
  if (config.target) needsBuildx(Inputs.target.name, config.target, 'empty: there is no Dockerfile stage to pick');
  return problems;
}

function engineFacts(config: Config, exec: Exec, build: EngineFacts['build']): EngineFacts {
  return {
    choice: config.engine,
    builder: config.builder,
    buildkitEndpoint: config.buildkitEndpoint,
    build,
    buildkitInputs: build === 'prebuilt' ? directEngineProblems(config) : [],
    currentBuilder: () => inspectCurrentBuilder(exec),
  };
}

/** Decides the engine for this run, logs which and why, fails on inputs the direct engine cannot build, and returns it. */
export async function chooseEngine(config: Config, tools: Pick<Tools, 'exec' | 'reporter'>): Promise<ImageEngine> {
  const decision = await decideEngine(engineFacts(config, tools.exec, config.build.kind));
  tools.reporter.info(`Engine: ${decision.engine} (${decision.reason})`);
  if (decision.engine === 'buildx') return buildxEngine(config, tools);
  const [problem] = directEngineProblems(config);
  if (problem) throw problem;
  return directEngine(config, tools.reporter);
}

/**
 * The engine of a `mode: merge` job, which builds nothing: direct composes the index through the
 * registry API, buildx with `imagetools` (whose version is checked here).
 */
export async function chooseMergeEngine(config: Config, tools: Pick<Tools, 'exec' | 'reporter'>): Promise<EngineName> {
  const decision = await decideEngine({ ...engineFacts(config, tools.exec, 'prebuilt'), buildkitInputs: [] });
  tools.reporter.info(`Engine: ${decision.engine} (${decision.reason})`);
  if (decision.engine === 'buildx') {
    const features = planFeatures(config, { buildx: await buildxVersion(tools.exec) });
    if (features.errors.length > 0) throw new ActionError(features.errors.join('\n'));
  }
  return decision.engine;
}
