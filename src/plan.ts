import type { Config } from './config.js';
import type { RunContext } from './github/event.js';
import type { DestinationSpec } from './destination/spec.js';
import type { FeatureName } from './image/builder.js';
import { ghaCacheRefs, registryCachePlan } from './image/cache.js';
import { BINARY_DIR } from './image/dockerfile.js';
import { temporaryTag } from './image/merge.js';
import { pushTargets, type PushTarget } from './image/oci-layout.js';
import { defaultPush, deriveTags, sanitizeTag } from './image/tags.js';
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

/**
 * A matrix leg where the token cannot push (a fork's or Dependabot's pull request) still builds and
 * sizes its platform; it pushes no digest, and the merge job of the run then has nothing to merge.
 */
export function unpushedLegNote(reason: string): string {
  return `${reason}: this matrix leg builds and reports its size but pushes nothing (no digest, no temporary tag), and the merge job skips the merge`;
}

/** Push rule, tags, cache refs and baseline (pure). */
export function planPublish(config: Config, facts: PublishFacts): PublishPlan {
  const { run } = facts;
  const notes: string[] = [];
  const warnings: string[] = [];
  let push = config.push;
  if (push === undefined && config.output) {
    push = config.pushByDigest;
    notes.push(`output writes the image to ${config.output.kind}:${config.output.path}, so push defaults to false (push: true pushes it too)`);
  } else if (push === undefined) {
    const decision = defaultPush(run);
    push = decision.push;
    notes.push(config.pushByDigest && !push ? unpushedLegNote(decision.reason) : decision.reason);
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
 * BuildKit's in-index attestations (`attestations: buildkit`) name the image manifest by digest: the
 * action must not rewrite the layers then. The default, referrers, leaves the image alone.
 */
export function buildkitAttestations(config: Config): boolean {
  return config.attestations === 'buildkit' && (config.provenance !== 'false' || config.sbom);
}

export interface BuildFacts extends PublishFacts {
  /** The chosen engine: whether BuildKit owns the layer bytes (see ImageEngine). */
  engine: { ownsLayerBytes: boolean };
}

/** Everything the build step decides before it runs, whatever the engine (pure). */
export interface BuildPlan {
  publish: PublishPlan;
  /** Where the image goes: the registry (by digest, tags after the gate), the Docker daemon, files. */
  destinations: DestinationSpec[];
  /** Compress the layers in the action (the same bytes on both engines), unless the engine owns the layer bytes. */
  compressLayers: boolean;
  /** Look for compressed layers the registry already holds (not when a destination needs every blob written out). */
  reuseLayers: boolean;
  /** Store the size report as a root annotation (not when the engine owns the bytes, for the same reason). */
  storeReport: boolean;
  /** Paths of the binary inside the image, for the per-layer report. */
  binaryPaths: string[];
}

/** Where the binary sits inside the image, as layer paths (no leading slash). */
export function binaryPaths(config: Config): string[] {
  return config.mode === 'merge' ? [] : [`${BINARY_DIR.slice(1)}/${config.binaryName}`];
}

/** The registry (when pushing), the Docker daemon (load), the file or folder of `output`, in that order. */
export function planDestinations(config: Config, publish: PublishPlan): DestinationSpec[] {
  const destinations: DestinationSpec[] = [];
  if (publish.push) destinations.push({ kind: 'registry', targets: publish.targets });
  if (config.load) destinations.push({ kind: 'daemon', tags: publish.tags });
  if (config.output) destinations.push({ ...config.output, tags: publish.tags });
  return destinations;
}

/** Config + run context + the chosen engine → what the build step does (pure). */
export function planBuild(config: Config, facts: BuildFacts): BuildPlan {
  const publish = planPublish(config, facts);
  const owned = facts.engine.ownsLayerBytes;
  const destinations = planDestinations(config, publish);
  return {
    publish,
    destinations,
    compressLayers: !owned,
    reuseLayers: destinations.every((d) => d.kind === 'registry'),
    storeReport: !owned,
    binaryPaths: binaryPaths(config),
  };
}
