import type { SourceInfo } from '../git.js';
import type { BuiltBinary } from '../go/compile.js';
import type { GoTool } from '../go/gotool.js';
import type { FeatureName } from '../image/builder.js';
import type { BuildContext } from '../image/context.js';
import type { FinalStageSpec } from '../image/dockerfile.js';
import type { OciImage } from '../image/oci-layout.js';
import type { Registry } from '../image/registry.js';

/** The engines `engine` can name besides `auto`. */
export type EngineName = 'buildx' | 'direct';

/** What the compile step leaves for an engine: the context (binaries, rootfs files, generated Dockerfile). */
export interface PreparedContext {
  context: BuildContext;
  /** The final stage the generated Dockerfile declares (what the direct engine writes); absent with the user's own Dockerfile. */
  stage?: FinalStageSpec;
  binaries: BuiltBinary[];
  /** The Go that built (or would build) the binaries; absent with the user's own Dockerfile. */
  go?: GoTool;
}

/** Everything an engine is given to assemble the image. */
export interface EngineInput {
  prepared: PreparedContext;
  source: SourceInfo;
  /** BuildKit's layer cache refs from the publish plan (only buildx uses them). */
  cacheFrom: readonly string[];
  cacheTo: string;
  /** A folder of this run: the engine writes its OCI layout (and metadata) under it. */
  workDir: string;
  /** Reads base-image manifests and configs (the direct engine). */
  registry: Registry;
  env: NodeJS.ProcessEnv;
}

/** An assembled image: an OCI layout with uncompressed layers (unless the engine owns the layer bytes), config and manifests. */
export interface BuiltImage {
  image: OciImage;
  /** Build steps BuildKit took from its cache; undefined for the direct engine. */
  cachedSteps?: number;
}

/** What `prepare` learnt that the plan needs. */
export interface EngineReadiness {
  /** Builder features this run may not use (cache export options of an old BuildKit). */
  unsupported: FeatureName[];
}

/**
 * Who assembles the image. Chosen once (engine/choose.ts); the pipeline only calls these. Like
 * ko's build.Interface: an implementation per engine, wrapped rather than extended.
 */
export interface ImageEngine {
  readonly name: EngineName;
  /**
   * BuildKit compresses the layers and names the manifests in its attestations: the action must
   * not rewrite layers nor annotate the root then.
   */
  readonly ownsLayerBytes: boolean;
  /** The checks that must fail before anything slow (the buildx builder); run first, in its own log group when there is work. */
  prepare(): Promise<EngineReadiness>;
  build(input: EngineInput): Promise<BuiltImage>;
}
