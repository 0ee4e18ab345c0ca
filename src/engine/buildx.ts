import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { ActionError } from '../errors.js';
import { checkFeatures, prepareBuilder, type FeatureCheck, type FeatureUse, type Versions } from '../image/builder.js';
import { buildxBuildArgs, buildxFailureCause, cacheExportErrors, countCachedSteps, parseBuildMetadata, registryErrorHint } from '../image/buildx.js';
import { ensureEmulation } from '../image/emulation.js';
import { readOciImage } from '../image/oci-layout.js';
import { Inputs, State } from '../inputs.js';
import { buildkitAttestations, layerCacheBackend } from '../plan.js';
import { formatBytes } from '../format-bytes.js';
import type { Tools } from '../tools.js';
import type { BuiltImage, EngineInput, ImageEngine } from './engine.js';

/** The builder features a run uses; `input` names the input that asked for one, which makes a missing one an error. */
export function builderFeatureUses(config: Config): FeatureUse[] {
  if (config.mode === 'merge') return [{ feature: 'imagetoolsAnnotations', input: Inputs.mode.name }];
  const uses: FeatureUse[] = [{ feature: 'rewriteTimestamp' }];
  if (layerCacheBackend(config) !== 'none') uses.push({ feature: 'cacheImageManifest' }, { feature: 'cacheIgnoreError' });
  if (config.build.kind === 'source') uses.push({ feature: 'buildContext', input: Inputs.dockerfileMode.name });
  // BuildKit compresses only when its attestations pin its bytes; otherwise the action does, for both algorithms.
  if (config.compression.algorithm === 'zstd' && buildkitAttestations(config)) uses.push({ feature: 'zstd', input: Inputs.compression.name });
  if (config.cacheBackend === 'gha') uses.push({ feature: 'ghaCache', input: Inputs.cacheBackend.name });
  if (buildkitAttestations(config)) uses.push({ feature: 'attestations', input: config.provenance !== 'false' ? Inputs.provenance.name : Inputs.sbom.name });
  if (config.annotations.length > 0) uses.push({ feature: 'annotations', input: Inputs.annotations.name });
  return uses;
}

/** The builder's versions against what the run uses: what to leave out (warnings), what to refuse (errors). */
export function planFeatures(config: Config, versions: Versions): FeatureCheck {
  return checkFeatures(versions, builderFeatureUses(config));
}

/** The name of the environment variable that carries the i-th build secret to buildx. */
export function secretEnvName(index: number): string {
  return `GSI_BUILD_SECRET_${index}`;
}

export interface BuildxFacts {
  builder: { name: string; features: FeatureCheck };
  context: { dir: string; dockerfile: string; namedContexts: Readonly<Record<string, string>> };
  cacheFrom: readonly string[];
  cacheTo: string;
  sourceDateEpoch: number;
  /** A folder this run owns: the OCI layout and metadata file go there. */
  workDir: string;
}

/** The `docker buildx build` this run makes. */
export interface BuildxPlan {
  args: string[];
  /** Environment variable names the build secrets are passed in (values never in the plan). */
  secretEnv: string[];
  ociDest: string;
  metadataFile: string;
}

/** Config + builder + context → the exact buildx argv (pure). */
export function planBuildx(config: Config, facts: BuildxFacts): BuildxPlan {
  const ociDest = path.join(facts.workDir, 'oci');
  const metadataFile = path.join(facts.workDir, 'metadata.json');
  const secretEnv = config.secrets.map((_, i) => secretEnvName(i));
  const args = buildxBuildArgs({
    contextDir: facts.context.dir,
    dockerfile: facts.context.dockerfile,
    namedContexts: facts.context.namedContexts,
    compression: config.compression,
    compressInBuildKit: buildkitAttestations(config),
    platforms: config.platforms,
    ociDest,
    builder: facts.builder.name,
    cacheFrom: facts.cacheFrom,
    cacheTo: facts.cacheTo,
    metadataFile,
    sourceDateEpoch: facts.sourceDateEpoch,
    rewriteTimestamp: !facts.builder.features.unsupported.includes('rewriteTimestamp'),
    buildArgs: config.buildArgs,
    labels: config.labels,
    annotations: config.annotations,
    secrets: [...config.secrets.map((secret, i) => ({ id: secret.id, env: secretEnv[i]! })), ...config.secretFiles.map((file) => ({ id: file.id, src: file.path }))],
    target: config.target,
    provenance: buildkitAttestations(config) ? config.provenance : 'false',
    sbom: buildkitAttestations(config) && config.sbom,
  });
  return { args, secretEnv, ociDest, metadataFile };
}

/** Checks (or creates) the buildx builder and what it supports; a builder it creates is saved for the post step at once. */
async function prepareBuildxBuilder(config: Config, tools: Pick<Tools, 'exec' | 'reporter'>): Promise<{ name: string; features: FeatureCheck }> {
  const log = tools.reporter;
  const builder = await prepareBuilder(config, tools.exec, log);
  if (builder.created) log.saveState(State.builderToRemove, builder.name);
  log.info(`buildx ${builder.buildxVersion}, builder ${builder.name || '(current)'} (${builder.driver} driver)`);
  const features = planFeatures(config, { buildx: builder.buildxVersion, ...(builder.buildkitVersion ? { buildkit: builder.buildkitVersion } : {}) });
  for (const warning of features.warnings) log.warning(warning);
  if (features.errors.length > 0) throw new ActionError(features.errors.join('\n'));
  if (config.build.kind === 'dockerfile') {
    await ensureEmulation({ dockerfile: config.build.path, platforms: config.platforms, setting: config.setupQemu, builderPlatforms: builder.platforms }, tools.exec, log);
  }
  return { name: builder.name, features };
}

/** Runs the planned `docker buildx build` and reads the OCI layout it exported. */
async function runBuildx(config: Config, plan: BuildxPlan, input: EngineInput, tools: Pick<Tools, 'exec' | 'reporter'>): Promise<BuiltImage> {
  const { reporter } = tools;
  const { args, secretEnv, ociDest, metadataFile } = plan;
  await fs.rm(metadataFile, { force: true });
  await fs.rm(ociDest, { recursive: true, force: true });
  const secrets = Object.fromEntries(secretEnv.map((name, i) => [name, config.secrets[i]!.value]));
  let progress = '';
  await reporter.group('Building the image with buildx', () =>
    tools.exec('docker', args, {
      env: { ...input.env, ...secrets, SOURCE_DATE_EPOCH: String(input.source.epoch) },
      onLine: (line) => {
        progress += `${line}\n`;
        reporter.info(line);
      },
      hint: registryErrorHint,
      headline: buildxFailureCause,
    }),
  );
  for (const error of cacheExportErrors(progress)) reporter.warning(`The layer cache could not be exported (${error}); the image is fine, but the next build will not find this cache.`);
  const metadata = parseBuildMetadata(await fs.readFile(metadataFile, 'utf8'));
  const image = await readOciImage(ociDest);
  if (image.root.digest !== metadata.digest) reporter.warning(`buildx reported ${metadata.digest} but exported ${image.root.digest}`);
  return { image, cachedSteps: countCachedSteps(progress) };
}

/** The buildx engine: BuildKit assembles the image from the prepared context, through `docker buildx build`. */
export function buildxEngine(config: Config, tools: Pick<Tools, 'exec' | 'reporter'>): ImageEngine {
  let builder: { name: string; features: FeatureCheck } | undefined;
  return {
    name: 'buildx',
    ownsLayerBytes: buildkitAttestations(config),
    async prepare() {
      builder = await tools.reporter.group('Preparing the buildx builder', () => prepareBuildxBuilder(config, tools));
      return { unsupported: [...builder.features.unsupported] };
    },
    async build(input) {
      if (!builder) throw new Error('the buildx engine builds only after prepare()');
      const { context } = input.prepared;
      if (context.bytes !== undefined) tools.reporter.info(`Build context: ${formatBytes(context.bytes)} sent to BuildKit`);
      const plan = planBuildx(config, { builder, context, cacheFrom: input.cacheFrom, cacheTo: input.cacheTo, sourceDateEpoch: input.source.epoch, workDir: input.workDir });
      return runBuildx(config, plan, input, tools);
    },
  };
}
