import { formatPlatform, type Platform } from '../platform.js';
import { IMAGE_EPOCH } from './dockerfile.js';

export interface BuildxBuildSpec {
  contextDir: string;
  dockerfile: string;
  /** Extra named contexts (`--build-context name=path`). */
  namedContexts: Readonly<Record<string, string>>;
  compression: { algorithm: 'gzip' | 'zstd'; level: number };
  /**
   * Let BuildKit compress the layers. Needed with attestations: they name the image manifest by
   * digest, so the action must not rewrite the layers after the build.
   */
  compressInBuildKit: boolean;
  platforms: readonly Platform[];
  /** Folder buildx exports the image to as an OCI layout; the action compresses and pushes it. */
  ociDest: string;
  /** Builder name for --builder; empty for the current builder. */
  builder: string;
  cacheFrom: readonly string[];
  /** Registry ref the layer cache is exported to; empty to export none. */
  cacheTo: string;
  metadataFile: string;
  /** The commit time: the SOURCE_DATE_EPOCH build argument the Dockerfile sees. */
  sourceDateEpoch: number;
  /**
   * Layer and config times lowered to IMAGE_EPOCH by the exporter (`rewrite-timestamp=true` with
   * its own `source-date-epoch`); false for a BuildKit older than 0.13.
   */
  rewriteTimestamp: boolean;
  buildArgs: Readonly<Record<string, string>>;
  /** Image config labels (in addition to the generated Dockerfile's OCI labels). */
  labels: Readonly<Record<string, string>>;
  /** Manifest/index annotations, as buildx takes them (`key=value`, optionally `index:key=value`). */
  annotations: readonly string[];
  /** Build secrets: by environment variable name (value never in argv) or by file. */
  secrets: readonly BuildSecret[];
  target: string;
  /** `false`, `true`, `mode=min`, `mode=max`. */
  provenance: string;
  sbom: boolean;
}

export interface BuildSecret {
  id: string;
  /** The variable of the buildx process's environment that holds the value. */
  env?: string;
  /** A file holding the value. */
  src?: string;
}

/** BuildKit's Go gzip stops at 9; the action's libdeflate levels 10-12 have no BuildKit counterpart. */
function buildkitLevel(compression: BuildxBuildSpec['compression']): number {
  return compression.algorithm === 'gzip' ? Math.min(compression.level, 9) : compression.level;
}

/** The whole `docker buildx build` argv (pure). */
export function buildxBuildArgs(spec: BuildxBuildSpec): string[] {
  const args = ['buildx', 'build'];
  if (spec.builder) args.push('--builder', spec.builder);
  args.push('--progress', 'plain');
  args.push('--file', spec.dockerfile);
  args.push('--platform', spec.platforms.map(formatPlatform).join(','));
  for (const name of Object.keys(spec.namedContexts).sort()) args.push('--build-context', `${name}=${spec.namedContexts[name]}`);
  // Layers leave BuildKit uncompressed and the action compresses them (gzip with libdeflate,
  // smaller than BuildKit's Go deflate; zstd with a pinned zstd), the same bytes as the direct engine.
  const compression = !spec.compressInBuildKit
      ? ['compression=uncompressed']
      : [`compression=${spec.compression.algorithm}`, `compression-level=${buildkitLevel(spec.compression)}`, 'force-compression=true'];
  const output = ['type=oci', `dest=${spec.ociDest}`, 'tar=false', ...compression, 'oci-mediatypes=true', ...(spec.rewriteTimestamp ? ['rewrite-timestamp=true', `source-date-epoch=${IMAGE_EPOCH}`] : [])];
  args.push('--output', output.join(','));
  // Attestations turn a single-platform image into an index; off unless asked for.
  args.push(`--provenance=${spec.provenance}`);
  if (spec.sbom) args.push('--sbom=true');
  if (spec.target) args.push('--target', spec.target);
  args.push('--build-arg', `SOURCE_DATE_EPOCH=${spec.sourceDateEpoch}`);
  for (const key of Object.keys(spec.buildArgs).sort()) args.push('--build-arg', `${key}=${spec.buildArgs[key]}`);
  for (const key of Object.keys(spec.labels).sort()) args.push('--label', `${key}=${spec.labels[key]}`);
  for (const annotation of spec.annotations) args.push('--annotation', annotation);
  for (const secret of spec.secrets) args.push('--secret', secret.env ? `id=${secret.id},env=${secret.env}` : `id=${secret.id},src=${secret.src}`);
  for (const from of spec.cacheFrom) args.push('--cache-from', from);
  if (spec.cacheTo) args.push('--cache-to', spec.cacheTo);
  args.push('--metadata-file', spec.metadataFile);
  args.push(spec.contextDir);
  return args;
}

/** What buildx's --metadata-file tells about the pushed image. */
export interface BuildMetadata {
  digest: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Reads the metadata file defensively: the digest may be only in the descriptor. */
export function parseBuildMetadata(json: string): BuildMetadata {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new Error('buildx wrote a metadata file that is not JSON');
  }
  const descriptor = data['containerimage.descriptor'] as { digest?: unknown } | undefined;
  const digest = [data['containerimage.digest'], descriptor?.digest].find((d): d is string => typeof d === 'string' && DIGEST.test(d));
  if (!digest) throw new Error('buildx metadata has no image digest (containerimage.digest)');
  return { digest };
}

/** Steps buildx's plain progress reports as CACHED. */
export function countCachedSteps(progress: string): number {
  return progress.split('\n').filter((line) => /^#\d+ CACHED$/.test(line.trim())).length;
}

/**
 * Errors of the cache export steps in plain progress. With ignore-error=true they do not fail the
 * build, so the action has to say that the next build will miss the cache.
 */
export function cacheExportErrors(progress: string): string[] {
  const exportSteps = new Set<string>();
  const errors: string[] = [];
  for (const line of progress.split('\n')) {
    const step = /^#(\d+) exporting cache/.exec(line.trim());
    if (step) exportSteps.add(step[1]!);
    const error = /^#(\d+) ERROR: (.*)$/.exec(line.trim());
    if (error && exportSteps.has(error[1]!)) errors.push(error[2]!);
  }
  return errors;
}

/** A hint for registry permission errors, the most common first-run failure. */
export function registryErrorHint(stderr: string): string | undefined {
  if (/denied|unauthorized|authentication required|403 Forbidden/i.test(stderr)) {
    return 'the registry refused the push: log in first (for example with docker/login-action) and check the token may write packages.';
  }
  return undefined;
}

/** Step output lines that read like the reason a step failed. */
const CAUSE_LINE = /\b(error|fatal|panic|cannot|undefined|not found|no such|denied|unauthorized|failed)\b/i;
/** How much of a long instruction (a RUN line) the headline shows. */
const STEP_NAME_LIMIT = 120;

/**
 * The cause of a failed `buildx build`, from its plain progress (pure): the failing step and
 * BuildKit's `#N ERROR:` for it, the Dockerfile line, and the step's own lines that name the
 * reason (a RUN's output is cut to its last lines in buildx's summary, often without them).
 * Without a step error, buildx's final `ERROR:`/`error:` line. Undefined when there is neither.
 */
export function buildxFailureCause(progress: string): string | undefined {
  const lines = progress.split('\n').map((line) => line.trimEnd());
  const stepName = (step: string) => lines.find((line) => line.startsWith(`#${step} `) && !/^#\d+ (ERROR|DONE|CACHED)\b/.test(line) && !/^#\d+ \d+\.\d+ /.test(line))?.slice(`#${step} `.length);
  // A failed cache export (ignore-error=true) does not fail the build: not the cause.
  const stepError = lines
    .map((line) => /^#(\d+) ERROR: (.*)$/.exec(line))
    .find((match) => match !== null && !stepName(match[1]!)?.startsWith('exporting cache'));
  if (!stepError) {
    const final = lines.filter((line) => /^(ERROR|error): /.test(line)).at(-1);
    return final ? `buildx failed: ${final.replace(/^(ERROR|error): /, '').replace(/^failed to build: /, '')}` : undefined;
  }
  const [, step, error] = stepError;
  const stepLines = lines.filter((line) => line.startsWith(`#${step} `)).map((line) => line.slice(`#${step} `.length));
  const name = stepName(step!);
  const shown = name && name.length > STEP_NAME_LIMIT ? `${name.slice(0, STEP_NAME_LIMIT)}…` : name;
  const dockerfileLine = lines.find((line) => /^[\w./-]*Dockerfile[\w.-]*:\d+$/.test(line));
  const output = stepLines.map((line) => /^\d+\.\d+ (.*)$/.exec(line)?.[1]).filter((line): line is string => line !== undefined);
  const reasons = output.filter((line) => CAUSE_LINE.test(line)).slice(0, 5);
  const context = (reasons.length > 0 ? reasons : output.slice(-3)).map((line) => `  ${line}`);
  return [`buildx failed at ${shown ?? `step #${step}`}${dockerfileLine ? ` (${dockerfileLine})` : ''}: ${error}`, ...context].join('\n');
}
