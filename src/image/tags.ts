import { createHash } from 'node:crypto';
import semver from 'semver';
import type { RunContext } from '../github/event.js';

/** OCI tags: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
const MAX_TAG = 128;
const SHORT_SHA = 7;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * Turns any text (a branch name, a git tag) into a valid OCI tag (pure): characters outside
 * `[A-Za-z0-9_.-]` become `-` (runs collapsed), leading `.`/`-` are dropped, and a name longer than
 * 128 characters is cut and given a hash of the whole name so two long branches do not collide.
 * A name with nothing usable left becomes `ref-<hash>`.
 */
export function sanitizeTag(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+/, '');
  if (!cleaned) return `ref-${shortHash(text)}`;
  if (cleaned.length <= MAX_TAG) return cleaned;
  return `${cleaned.slice(0, MAX_TAG - 9)}-${shortHash(text)}`;
}

/** A semantic version as written in a git tag: `v1.2.3`, `1.2.3-rc.1`, `v1.2.3+build.5`. */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers (`rc.1`); empty for a stable release. */
  prerelease: string;
  build: string;
}

/** Reads a git tag as semver: `v1.2.3`, `1.2.3-rc.1`, `v1.2.3+build.5` (strict, as metadata-action's type=semver). */
export function parseSemVer(text: string): SemVer | undefined {
  const parsed = semver.parse(text.trim());
  if (!parsed) return undefined;
  return { major: parsed.major, minor: parsed.minor, patch: parsed.patch, prerelease: parsed.prerelease.join('.'), build: parsed.build.join('.') };
}

const asSemver = (v: SemVer) => `${v.major}.${v.minor}.${v.patch}`;

function formatVersion(v: SemVer): string {
  // `+` is not allowed in a tag; `_` is the usual stand-in (Helm, ORAS).
  return `${v.major}.${v.minor}.${v.patch}${v.prerelease ? `-${v.prerelease}` : ''}${v.build ? `_${v.build}` : ''}`;
}

/** Versions a tag push names the image with: `1.2.3`, `1.2`, `1` for a stable release, only the exact version for a pre-release. */
export function versionTags(v: SemVer): string[] {
  if (v.prerelease) return [formatVersion(v)];
  return [formatVersion(v), `${v.major}.${v.minor}`, `${v.major}`];
}

/**
 * Whether a stable version is the newest release: no stable version among `published` is higher.
 * `published` are tags that already exist for the image (for example the registry's tag list:
 * `1.4.0`, `v1.4.0`, `latest`, `sha-…`; anything that is not a version is ignored). The registry is
 * what `latest` points into, so it is the record of what was released; it needs no git history
 * (actions/checkout fetches one commit and no tags by default) and counts releases cut from
 * release branches too. A version equal to a published one (a re-run of the same tag) is newest.
 */
export function isNewestStable(version: SemVer, published: readonly string[]): boolean {
  if (version.prerelease) return false;
  return published.every((tag) => {
    const other = parseSemVer(tag);
    return !other || other.prerelease !== '' || semver.lte(asSemver(other), asSemver(version));
  });
}

export interface DerivedTags {
  tags: string[];
  /** Why `latest` was or was not added, for the log; undefined when the run is not a version tag. */
  latest?: string;
}

export function shaTag(sha: string): string | undefined {
  return /^[0-9a-f]{7,64}$/i.test(sha) ? `sha-${sha.slice(0, SHORT_SHA).toLowerCase()}` : undefined;
}

/**
 * The tags a run names its image with when `tags` is empty, the way docker/metadata-action's
 * defaults plus `type=sha` and `type=semver` patterns do (pure):
 * - pull request: `pr-<N>`
 * - branch push: the branch name, sanitized
 * - tag push `v1.2.3`: `1.2.3`, `1.2`, `1`, and `latest` when it is the newest stable release
 *   (see isNewestStable) and not known to be off the default branch; `v1.2.3-rc.1`: `1.2.3-rc.1`
 * - any other tag push: the tag, sanitized
 * and always `sha-<7 hex>` of the commit.
 */
export function deriveTags(ctx: RunContext, published: readonly string[] = []): DerivedTags {
  const tags: string[] = [];
  let latest: string | undefined;
  if (ctx.pullRequest) {
    tags.push(`pr-${ctx.pullRequest.issueNumber}`);
  } else if (ctx.ref.startsWith('refs/heads/')) {
    tags.push(sanitizeTag(ctx.ref.slice('refs/heads/'.length)));
  } else if (ctx.ref.startsWith('refs/tags/')) {
    const name = ctx.ref.slice('refs/tags/'.length);
    const version = parseSemVer(name);
    if (!version) {
      tags.push(sanitizeTag(name));
    } else {
      tags.push(...versionTags(version));
      if (version.prerelease) latest = `no latest: ${name} is a pre-release`;
      else if (ctx.tagOnDefaultBranch === false) latest = `no latest: ${name} is not on the default branch ${ctx.defaultBranch}`;
      else if (!isNewestStable(version, published)) latest = `no latest: a newer release than ${name} is already published`;
      else {
        tags.push('latest');
        latest = `latest: ${name} is the newest stable release`;
      }
    }
  } else {
    const pr = /^refs\/pull\/(\d+)\//.exec(ctx.ref);
    if (pr) tags.push(`pr-${pr[1]}`);
  }
  const sha = shaTag(ctx.sha);
  if (sha) tags.push(sha);
  return { tags: [...new Set(tags)], ...(latest !== undefined ? { latest } : {}) };
}

export interface PushDecision {
  push: boolean;
  reason: string;
}

/**
 * The default of `push`: true, except where the workflow token cannot write packages: pull
 * requests from forks (head repository other than the base one, read from the payload) and
 * pull requests Dependabot triggers (its runs get a read-only token).
 */
export function defaultPush(ctx: RunContext): PushDecision {
  if (ctx.pullRequest?.fork) return { push: false, reason: 'pull request from a fork: the workflow token cannot push packages, so push defaults to false' };
  if (ctx.pullRequest && ctx.actor === 'dependabot[bot]') {
    return { push: false, reason: 'pull request run by Dependabot: its token is read-only, so push defaults to false' };
  }
  return { push: true, reason: 'push defaults to true' };
}
