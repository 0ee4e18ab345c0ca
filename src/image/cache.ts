import type { RunContext } from '../github/event.js';
import { formatImageName, type ImageName } from '../reference.js';
import type { Platform } from '../platform.js';
import { sanitizeTag } from './tags.js';
import type { CacheWrite } from '../config/cache.js';

const DEFAULT_CACHE_TAG = 'buildcache';

/** `<os>-<arch>[-<variant>]`, the platform part of per-leg tags. */
export function platformTagSuffix(platform: Platform): string {
  return [platform.os, platform.arch, platform.variant].filter(Boolean).join('-');
}

/** Whether the run builds the main line: the default branch or a tag (pure). */
export function isMainLine(ctx: RunContext): boolean {
  if (ctx.pullRequest) return false;
  if (ctx.ref.startsWith('refs/tags/')) return true;
  return Boolean(ctx.defaultBranch) && ctx.ref === `refs/heads/${ctx.defaultBranch}`;
}

/**
 * The part of the cache tag that keeps branches apart: none for the main line (default branch and
 * tags share one cache), `pr-<N>` on pull requests, the sanitized branch name on other branches.
 */
function scope(ctx: RunContext): string {
  if (isMainLine(ctx)) return '';
  if (ctx.pullRequest) return `pr-${ctx.pullRequest.issueNumber}`;
  if (ctx.ref.startsWith('refs/heads/')) return ctx.ref.slice('refs/heads/'.length);
  return '';
}

export interface CacheRefOptions {
  /** The image being built; its repository holds the cache unless `cacheRef` says otherwise. */
  image: ImageName;
  /** `cache-ref` input: the main line's cache (tag defaults to `buildcache`); empty for the default. */
  cacheRef?: ImageName;
  platforms: readonly Platform[];
  /** A single-platform leg of a matrix (`push-by-digest: true`): the ref gets the platform, so legs never overwrite each other. */
  matrixLeg: boolean;
}

export interface CacheRefs {
  /** The ref this run reads first and writes (when it writes). */
  ref: string;
  /** The main line's ref for the same platform(s): read too on pull requests and other branches. */
  mainLineRef: string;
}

function withTag(base: ImageName, parts: readonly string[]): string {
  const tag = sanitizeTag(parts.filter(Boolean).join('-'));
  return formatImageName({ registry: base.registry, repository: base.repository, tag });
}

/**
 * Cache refs (pure): `<image>:buildcache` for a build of all its platforms, and
 * `<image>:buildcache-<os>-<arch>[-<variant>]` for one matrix leg. Pull requests and other
 * branches get their own `-pr-<N>` / `-<branch>` ref, so a PR (with `cache-write: always`) never
 * overwrites the main line's cache, and read the main line's ref as well.
 */
export function cacheRefs(ctx: RunContext, options: CacheRefOptions): CacheRefs {
  const base = options.cacheRef ?? options.image;
  const tag = options.cacheRef?.tag ?? DEFAULT_CACHE_TAG;
  const leg = options.matrixLeg && options.platforms.length === 1 ? platformTagSuffix(options.platforms[0]!) : '';
  return { ref: withTag(base, [tag, scope(ctx), leg]), mainLineRef: withTag(base, [tag, leg]) };
}

export interface CacheWriteDecision {
  write: boolean;
  reason: string;
  /** Set when the user asked for something the run cannot do. */
  warning?: string;
}

/**
 * Whether to export the cache (pure). `auto` writes only from the main line (pushes to the default
 * branch, tags) so pull requests and side branches cannot pollute or evict it; `always` writes from
 * every run that can push; `never` only reads. Nothing is written when the image is not pushed, since
 * the token then usually cannot write to the registry either (fork pull requests).
 */
export function cacheWriteDecision(mode: CacheWrite, ctx: RunContext, push: boolean): CacheWriteDecision {
  if (mode === 'never') return { write: false, reason: 'cache-write: never' };
  if (!push) {
    const reason = 'the image is not pushed, so the registry cache is only read';
    return mode === 'always' ? { write: false, reason, warning: `cache-write: always, but ${reason}.` } : { write: false, reason };
  }
  if (mode === 'always') return { write: true, reason: 'cache-write: always' };
  if (isMainLine(ctx)) return { write: true, reason: `cache-write: auto writes from ${ctx.ref}` };
  return { write: false, reason: `cache-write: auto writes only from the default branch${ctx.defaultBranch ? ` (${ctx.defaultBranch})` : ''} and tags` };
}

export interface CachePlan {
  refs: CacheRefs;
  /** `--cache-from` values, this run's ref first. */
  cacheFrom: string[];
  /** `--cache-to` value; empty when the cache is not written. */
  cacheTo: string;
  write: CacheWriteDecision;
}

/** Everything the registry cache needs for `docker buildx build` (pure). */
export function registryCachePlan(ctx: RunContext, options: CacheRefOptions & { mode: CacheWrite; push: boolean; export?: CacheExportOptions }): CachePlan {
  const refs = cacheRefs(ctx, options);
  const write = cacheWriteDecision(options.mode, ctx, options.push);
  const from = refs.ref === refs.mainLineRef ? [refs.ref] : [refs.ref, refs.mainLineRef];
  return { refs, cacheFrom: from.map(registryCacheFrom), cacheTo: write.write ? registryCacheTo(refs.ref, options.export) : '', write };
}

/** Cache export options an old BuildKit lacks; both on by default (see the builder feature check). */
export interface CacheExportOptions {
  imageManifest: boolean;
  ignoreError: boolean;
}

const ALL_EXPORT_OPTIONS: CacheExportOptions = { imageManifest: true, ignoreError: true };

/** Registry cache export: every stage's layers, as an OCI image manifest, never failing the build. */
export function registryCacheTo(ref: string, options: CacheExportOptions = ALL_EXPORT_OPTIONS): string {
  // zstd: the image's own layers leave BuildKit uncompressed (the action compresses them), and the cache
  // would otherwise store them that way too.
  return [
    `type=registry,ref=${ref},mode=max`,
    ...(options.imageManifest ? ['image-manifest=true'] : []),
    'oci-mediatypes=true',
    ...(options.ignoreError ? ['ignore-error=true'] : []),
    'compression=zstd,force-compression=true',
  ].join(',');
}

export function registryCacheFrom(ref: string): string {
  return `type=registry,ref=${ref}`;
}

/** The GitHub Actions cache backend: BuildKit's gha scope named after the registry cache ref's tag. */
export function ghaCacheRefs(plan: CachePlan, options: Pick<CacheExportOptions, 'ignoreError'> = ALL_EXPORT_OPTIONS): { cacheFrom: string[]; cacheTo: string } {
  const scope = (ref: string) => `scope=${ref.slice(ref.lastIndexOf(':') + 1)}`;
  const refs = [plan.refs.ref, plan.refs.mainLineRef].filter((r, i, all) => all.indexOf(r) === i);
  return {
    cacheFrom: refs.map((r) => `type=gha,${scope(r)}`),
    cacheTo: plan.write.write ? [`type=gha,mode=max,${scope(plan.refs.ref)}`, ...(options.ignoreError ? ['ignore-error=true'] : [])].join(',') : '',
  };
}
