import path from 'node:path';
import type { Config } from './config.js';
import type { RunContext } from './github/event.js';
import { checkFeatures, type FeatureCheck, type FeatureName, type FeatureUse, type Versions } from './image/builder.js';
import { buildxBuildArgs } from './image/buildx.js';
import { ghaCacheRefs, registryCachePlan } from './image/cache.js';
import { BINARY_DIR } from './image/dockerfile.js';
import { temporaryTag } from './image/merge.js';
import { pushTargets, type PushTarget } from './image/oci-layout.js';
import { defaultPush, deriveTags, sanitizeTag } from './image/tags.js';
import { Inputs } from './inputs.js';
import { formatImageName, type ImageName } from './reference.js';

/** What a run decides from the GitHub context before any slow work: push, tags, cache refs, baseline. */
export interface PublishPlan {
  push: boolean;
  /** Full references the image is tagged with (reported, and pushed unless pushByDigest). */
  tags: string[];
  /** Where the image goes: repositories with the tags to move there once the size gate passes. */
  targets: PushTarget[];
  cacheFrom: string[];
  cacheTo: string;
  baseline: ImageName;
  /** Why push, tags and cache are what they are, for the log. */
  notes: string[];
  warnings: string[];
}

export interface PublishFacts {
  run: RunContext;
  /** Tags the repository already has (read only on tag pushes, for the `latest` rule). */
  publishedTags: readonly string[];
  /** Builder features the run may not use (cache export options of an old BuildKit). */
  unsupported?: readonly FeatureName[];
}

/**
 * Where BuildKit's layer cache lives, `auto` resolved. It caches real work where BuildKit compiles
 * (source mode, the user's Dockerfile). In prebuilt mode BuildKit only copies files the runner has
 * just compiled: a cache hit would download a layer instead of copying a local file, and the export
 * costs a compression and an upload of every layer, so `auto` leaves it out there (an explicit
 * registry or gha still uses it).
 */
export function layerCacheBackend(config: Config): 'registry' | 'gha' | 'none' {
  if (config.cacheBackend !== 'auto') return config.cacheBackend;
  return config.build.kind === 'prebuilt' ? 'none' : 'registry';
}

const PREBUILT_LAYER_CACHE_NOTE =
  'Layer cache: not used in prebuilt mode (cache-backend: auto; BuildKit only copies the binaries compiled on the runner, so it has nothing to save; the Go build cache is what makes rebuilds fast). It caches the compile in source mode and with your own Dockerfile; cache-backend: registry uses it here too.';

/** Push rule, tags, cache refs and baseline (pure). */
export function planPublish(config: Config, facts: PublishFacts): PublishPlan {
  const { run } = facts;
  const notes: string[] = [];
  const warnings: string[] = [];
  let push = config.push;
  if (push === undefined) {
    const decision = defaultPush(run);
    push = decision.push || config.pushByDigest;
    notes.push(decision.reason);
  }
  let tags = config.tags;
  if (tags.length === 0) {
    const derived = deriveTags(run, facts.publishedTags);
    if (derived.latest) notes.push(derived.latest);
    tags = (derived.tags.length > 0 ? derived.tags : ['latest']).map((tag) => formatImageName({ ...config.image, tag }));
  }
  const unsupported = new Set(facts.unsupported ?? []);
  let cacheFrom: string[] = [];
  let cacheTo = '';
  const backend = layerCacheBackend(config);
  if (config.cacheBackend === 'auto' && backend === 'none') notes.push(PREBUILT_LAYER_CACHE_NOTE);
  if (backend !== 'none') {
    const exportOptions = { imageManifest: !unsupported.has('cacheImageManifest'), ignoreError: !unsupported.has('cacheIgnoreError') };
    const cache = registryCachePlan(run, {
      image: config.image,
      ...(config.cacheRef ? { cacheRef: config.cacheRef } : {}),
      platforms: config.platforms,
      matrixLeg: config.pushByDigest,
      mode: config.cacheWrite,
      push,
      export: exportOptions,
    });
    notes.push(cache.write.reason);
    if (cache.write.warning) warnings.push(cache.write.warning);
    ({ cacheFrom, cacheTo } = backend === 'registry' ? cache : ghaCacheRefs(cache, exportOptions));
  }
  const targets = config.pushByDigest ? [{ name: config.image, tags: [temporaryTag(run, config.platforms[0]!)] }] : pushTargets(config.image, tags);
  const baseline = config.baseline ?? { ...config.image, tag: sanitizeTag(run.defaultBranch || 'main') };
  return { push, tags, targets, cacheFrom, cacheTo, baseline, notes, warnings };
}

/**
 * BuildKit's in-index attestations (`attestations: buildkit`) name the image manifest by digest:
 * the action must not rewrite the layers then. The default, referrers, leaves the image alone.
 */
export function wantsBuildKitAttestations(config: Config): boolean {
  return config.attestations === 'buildkit' && (config.provenance !== 'false' || config.sbom);
}

/** The builder features a run uses; `input` names the input that asked for one, which makes a missing one an error. */
export function builderFeatureUses(config: Config): FeatureUse[] {
  if (config.mode === 'merge') return [{ feature: 'imagetoolsAnnotations', input: Inputs.mode.name }];
  const uses: FeatureUse[] = [{ feature: 'rewriteTimestamp' }];
  if (layerCacheBackend(config) !== 'none') uses.push({ feature: 'cacheImageManifest' }, { feature: 'cacheIgnoreError' });
  if (config.build.kind === 'source') uses.push({ feature: 'buildContext', input: Inputs.dockerfileMode.name });
  if (config.compression.algorithm === 'zstd') uses.push({ feature: 'zstd', input: Inputs.compression.name });
  if (config.cacheBackend === 'gha') uses.push({ feature: 'ghaCache', input: Inputs.cacheBackend.name });
  if (wantsBuildKitAttestations(config)) uses.push({ feature: 'attestations', input: config.provenance !== 'false' ? Inputs.provenance.name : Inputs.sbom.name });
  if (config.annotations.length > 0) uses.push({ feature: 'annotations', input: Inputs.annotations.name });
  return uses;
}

/** What buildx is given: the context, made by the compile step or the user. */
export interface ContextFacts {
  dir: string;
  dockerfile: string;
  namedContexts: Readonly<Record<string, string>>;
}

/** The builder's versions against what the run uses: what to leave out (warnings), what to refuse (errors). */
export function planFeatures(config: Config, versions: Versions): FeatureCheck {
  return checkFeatures(versions, builderFeatureUses(config));
}

export interface BuildFacts extends PublishFacts {
  builder: { name: string; features: FeatureCheck };
  context: ContextFacts;
  sourceDateEpoch: number;
  /** A folder this run owns: the OCI layout and metadata file go there. */
  workDir: string;
}

/** Everything the build step does, decided before it runs (pure). */
export interface BuildPlan {
  publish: PublishPlan;
  buildx: {
    args: string[];
    /** Environment variable names the build secrets are passed in (values never in the plan). */
    secretEnv: string[];
    ociDest: string;
    metadataFile: string;
  };
  /** gzip the layers in the action (smaller than BuildKit's), unless attestations pin BuildKit's bytes. */
  compressLayers: boolean;
  /** Store the size report as a root annotation (not with attestations, for the same reason). */
  storeReport: boolean;
  /** Paths of the binary inside the image, for the per-layer report. */
  binaryPaths: string[];
}

/** Where the binary sits inside the image, as layer paths (no leading slash). */
export function binaryPaths(config: Config): string[] {
  return config.mode === 'merge' ? [] : [`${BINARY_DIR.slice(1)}/${config.binaryName}`];
}

/** The name of the environment variable that carries the i-th build secret to buildx. */
export function secretEnvName(index: number): string {
  return `GSI_BUILD_SECRET_${index}`;
}

/** Config + run context + builder versions + the compiled context → the exact build (pure). */
export function planBuild(config: Config, facts: BuildFacts): BuildPlan {
  const unsupported = new Set([...facts.builder.features.unsupported, ...(facts.unsupported ?? [])]);
  const publish = planPublish(config, { ...facts, unsupported: [...unsupported] });
  const attestations = wantsBuildKitAttestations(config);
  const ociDest = path.join(facts.workDir, 'oci');
  const metadataFile = path.join(facts.workDir, 'metadata.json');
  const secretEnv = config.secrets.map((_, i) => secretEnvName(i));
  const args = buildxBuildArgs({
    contextDir: facts.context.dir,
    dockerfile: facts.context.dockerfile,
    namedContexts: facts.context.namedContexts,
    compression: config.compression,
    compressInBuildKit: attestations,
    platforms: config.platforms,
    ociDest,
    builder: facts.builder.name,
    cacheFrom: publish.cacheFrom,
    cacheTo: publish.cacheTo,
    metadataFile,
    sourceDateEpoch: facts.sourceDateEpoch,
    rewriteTimestamp: !unsupported.has('rewriteTimestamp'),
    buildArgs: config.buildArgs,
    labels: config.labels,
    annotations: config.annotations,
    secrets: [...config.secrets.map((secret, i) => ({ id: secret.id, env: secretEnv[i]! })), ...config.secretFiles.map((file) => ({ id: file.id, src: file.path }))],
    target: config.target,
    provenance: attestations ? config.provenance : 'false',
    sbom: attestations && config.sbom,
  });
  return {
    publish,
    buildx: { args, secretEnv, ociDest, metadataFile },
    compressLayers: config.compression.algorithm === 'gzip' && !attestations,
    storeReport: !attestations,
    binaryPaths: binaryPaths(config),
  };
}
