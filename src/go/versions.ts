import { Inputs } from '../inputs.js';
import path from 'node:path';
import semver from 'semver';
import { ActionError, InputError } from '../errors.js';
import { GoModError, parseGoMod } from './gomod.js';

/**
 * Pure logic of the Go toolchain install: version specs and version files, the go.dev
 * release list, picking a release and its archive for this runner. No I/O here.
 */

/** The inputs this module's errors name (the caller's action.yml spells them the same). */
export const GoInputs = {
  version: Inputs.goVersion.name,
  versionFile: Inputs.goVersionFile.name,
  downloadBaseUrl: Inputs.goDownloadBaseUrl.name,
} as const;

/** Where Go releases come from unless go-download-base-url or GO_DOWNLOAD_BASE_URL says otherwise. */
export const DEFAULT_GO_DOWNLOAD_BASE_URL = 'https://go.dev/dl';

/** One file of a release, as https://go.dev/dl/?mode=json&include=all lists it. */
export interface GoReleaseFile {
  filename: string;
  /** `linux`, `darwin`, `windows`, ... ('' for the source archive). */
  os: string;
  /** Go's architecture names: `amd64`, `arm64`, `armv6l`, ... */
  arch: string;
  version: string;
  sha256: string;
  size: number;
  /** `archive`, `installer` or `source`. */
  kind: string;
}

export interface GoRelease {
  /** With the `go` prefix, as listed: `go1.26.3`, `go1.27rc1`, `go1.20`. */
  version: string;
  stable: boolean;
  files: GoReleaseFile[];
}

/** The runner as Go's download site and the tool cache name it. */
export interface GoPlatform {
  os: 'linux' | 'darwin' | 'windows';
  arch: 'amd64' | 'arm64';
  archiveExtension: '.tar.gz' | '.zip';
  /** The arch folder in RUNNER_TOOL_CACHE (Node's name, as actions/setup-go writes it). */
  toolCacheArch: 'x64' | 'arm64';
}

/** What a user asked for, normalized: an alias resolved against the release list, or a semver range. */
export type GoVersionSpec =
  | { kind: 'alias'; alias: 'stable' | 'oldstable'; text: string }
  | { kind: 'range'; range: string; exact: boolean; text: string };

/** The release a spec resolved to, with the archive for this runner. */
export interface ResolvedGoRelease {
  /** Go's spelling without the prefix: `1.26.3`, `1.27rc1`. */
  version: string;
  semver: string;
  file: GoReleaseFile;
}

export class GoVersionNotFoundError extends ActionError {
  constructor(
    readonly spec: string,
    readonly platform: string,
    readonly closest: string[],
  ) {
    super(
      `No Go release matches "${spec}" for ${platform}. ` +
        (closest.length > 0 ? `Closest available: ${closest.join(', ')}. ` : 'The release list has no release for this platform. ') +
        `Ask for one of these in ${GoInputs.version} or the version file (${GoInputs.versionFile}, go.mod's go/toolchain line).`,
    );
    this.name = 'GoVersionNotFoundError';
  }
}

export class VersionFileError extends ActionError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'VersionFileError';
  }
}

const GO_VERSION = /^(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?$/;
const GO_VERSION_IN_RANGE = /(^|[^\d.])(\d+\.\d+(?:\.\d+)?)(rc|beta)(\d+)/g;
const ALIASES = ['stable', 'oldstable'] as const;

/** `go1.21rc2` / `1.21rc2` → `1.21.0-rc.2`, `1.26` → `1.26.0`, `1.26.3` → `1.26.3`; undefined when not a Go version. */
export function goVersionToSemver(version: string): string | undefined {
  const match = GO_VERSION.exec(version.trim().replace(/^go/, ''));
  if (!match) return undefined;
  const [, major, minor, patch, pre, preNumber] = match;
  const core = `${Number(major)}.${Number(minor)}.${Number(patch ?? 0)}`;
  return pre ? `${core}-${pre}.${Number(preNumber)}` : core;
}

/** The inverse, in Go's spelling: `1.27.0-rc.1` → `1.27rc1`, `1.20.0` → `1.20`, `1.21.0` → `1.21.0`. */
export function semverToGoVersion(version: string): string {
  const parsed = semver.parse(version);
  if (!parsed) return version;
  const [pre, preNumber] = parsed.prerelease;
  if (pre !== undefined) return `${parsed.major}.${parsed.minor}${pre}${preNumber ?? ''}`;
  // Before Go 1.21 the first release of a minor line had no `.0` (go1.20, then go1.20.1).
  if (parsed.patch === 0 && parsed.major === 1 && parsed.minor < 21) return `${parsed.major}.${parsed.minor}`;
  return `${parsed.major}.${parsed.minor}.${parsed.patch}`;
}

/**
 * Normalizes a version spec as a user writes it: `1.26.3` and `1.21rc2` are exact, `1.26` is the newest
 * 1.26.x, `^1.25` / `>=1.24 <1.26` / `1.x` are semver ranges, `stable` / `oldstable` are aliases.
 */
export function parseVersionSpec(text: string, input: string = GoInputs.version): GoVersionSpec {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  const alias = ALIASES.find((a) => a === lower);
  if (alias) return { kind: 'alias', alias, text: trimmed };
  const bare = lower.replace(/^(go|v)(?=\d)/, '');
  const goMatch = GO_VERSION.exec(bare);
  if (goMatch) {
    const exact = goMatch[3] !== undefined || goMatch[4] !== undefined;
    const version = goVersionToSemver(bare)!;
    return { kind: 'range', range: exact ? version : `~${version}`, exact, text: trimmed };
  }
  const converted = bare.replace(GO_VERSION_IN_RANGE, (_all, before: string, version: string, pre: string, n: string) => {
    return `${before}${goVersionToSemver(version)}-${pre}.${Number(n)}`;
  });
  const range = trimmed ? semver.validRange(converted) : null;
  if (!range) {
    throw new InputError(input, text, 'a Go version such as 1.26.3, 1.26 or 1.27rc1, a semver range such as ^1.25, or stable / oldstable');
  }
  return { kind: 'range', range: converted, exact: false, text: trimmed };
}

function firstVersionLine(content: string): string | undefined {
  return content
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .find(Boolean);
}

/** The file name of a version file written with / or \ separators (go-version-file: sub\go.mod on Windows). */
function versionFileName(fileName: string): string {
  return path.win32.basename(fileName);
}

/**
 * The version spec a version file asks for. go.mod / go.work: the `toolchain` line when present, else the
 * `go` line (`go 1.22` means the newest 1.22 patch). `.tool-versions`: the `golang` (or `go`) line.
 * Any other file (`.go-version`): its first non-empty line.
 */
export function parseVersionFile(fileName: string, content: string): string {
  const base = versionFileName(fileName);
  if (base === 'go.mod' || base === 'go.work') {
    const mod = parseGoMod(content, fileName);
    const version = mod.toolchain ?? mod.go;
    if (!version) throw new GoModError(fileName, 'no go or toolchain line (add e.g. "go 1.26", or set go-version)');
    return version;
  }
  if (base === '.tool-versions') {
    for (const line of content.split(/\r?\n/)) {
      const [tool, version] = line.replace(/#.*$/, '').trim().split(/\s+/);
      if ((tool === 'golang' || tool === 'go') && version) return version.replace(/^go(?=\d)/, '');
    }
    throw new VersionFileError(fileName, 'no "golang <version>" line (expected e.g. "golang 1.26.3")');
  }
  const line = firstVersionLine(content);
  if (!line) throw new VersionFileError(fileName, 'the file is empty (expected a Go version such as 1.26.3)');
  return line.replace(/^go(?=\d)/, '');
}

/** The version a version file asks to build with, and why, when it is not the line parseVersionFile reads. */
export interface BuildGoVersion {
  version: string;
  note?: string;
}

/**
 * What the build uses from a version file: parseVersionFile's answer (the file as actions/setup-go reads
 * it), except when go.mod's `toolchain` line is older than its `go` line (`go 1.24.0` + `toolchain
 * go1.23.4`). Under GOTOOLCHAIN=local that toolchain refuses to build the module, so the `go` line wins.
 */
export function buildGoVersion(fileName: string, content: string): BuildGoVersion {
  const version = parseVersionFile(fileName, content);
  const base = versionFileName(fileName);
  if (base !== 'go.mod' && base !== 'go.work') return { version };
  const { go, toolchain } = parseGoMod(content, fileName);
  const goSemver = go && goVersionToSemver(go);
  const toolchainSemver = toolchain && goVersionToSemver(toolchain);
  if (!go || !goSemver || !toolchainSemver || !semver.lt(toolchainSemver, goSemver)) return { version };
  return { version: go, note: `${fileName}: toolchain go${toolchain} is older than the go line ${go}, which it cannot build; using ${go}` };
}

/** Maps Node's platform/arch names to Go's; anything else has no official Go archive we install. */
export function hostGoPlatform(platform: string, arch: string): GoPlatform {
  const os = ({ linux: 'linux', darwin: 'darwin', win32: 'windows' } as const)[platform as 'linux' | 'darwin' | 'win32'];
  const goArch = ({ x64: 'amd64', arm64: 'arm64' } as const)[arch as 'x64' | 'arm64'];
  if (!os || !goArch) {
    throw new ActionError(
      `Go cannot be installed on this runner (${platform}/${arch}): supported are Linux, macOS and Windows on x64 or arm64. ` +
        'Use such a runner, or install Go yourself and put it on PATH.',
    );
  }
  return { os, arch: goArch, archiveExtension: os === 'windows' ? '.zip' : '.tar.gz', toolCacheArch: arch as 'x64' | 'arm64' };
}

export function formatGoPlatform(platform: GoPlatform): string {
  return `${platform.os}/${platform.arch}`;
}

/** The archive of a release for this runner (`.tar.gz`, or `.zip` on Windows), if the release has one. */
export function selectArchive(release: GoRelease, platform: GoPlatform): GoReleaseFile | undefined {
  return release.files.find(
    (file) =>
      file.os === platform.os &&
      file.arch === platform.arch &&
      (file.kind === undefined || file.kind === 'archive') &&
      file.filename.endsWith(platform.archiveExtension),
  );
}

/** Checks the shape of the release list JSON; throws a message naming the URL when it is something else. */
export function parseReleaseList(json: unknown, url: string): GoRelease[] {
  const fail = (why: string): never => {
    throw new ActionError(`${url} did not return a Go release list (${why}). A mirror given in ${GoInputs.downloadBaseUrl} must serve the JSON of https://go.dev/dl/?mode=json&include=all.`);
  };
  if (!Array.isArray(json)) return fail('not a JSON array');
  return json.map((entry: unknown, index) => {
    const release = entry as Partial<GoRelease> | null;
    if (!release || typeof release.version !== 'string' || !Array.isArray(release.files)) return fail(`entry ${index} has no version or files`);
    const files = release.files.filter((f): f is GoReleaseFile => !!f && typeof f.filename === 'string' && typeof f.os === 'string' && typeof f.arch === 'string');
    return { version: release.version, stable: release.stable === true, files };
  });
}

interface Candidate {
  semver: string;
  stable: boolean;
  file: GoReleaseFile;
}

/** Releases that have an archive for this platform, newest first. */
function candidates(releases: readonly GoRelease[], platform: GoPlatform): Candidate[] {
  const list: Candidate[] = [];
  for (const release of releases) {
    const version = goVersionToSemver(release.version);
    const file = selectArchive(release, platform);
    if (version && file) list.push({ semver: version, stable: release.stable && !semver.prerelease(version), file });
  }
  return list.sort((a, b) => semver.rcompare(a.semver, b.semver));
}

/** Up to `count` available versions around the one asked for (newest first), for a "no match" message. */
export function closestVersions(spec: GoVersionSpec, available: readonly string[], count = 5): string[] {
  const sorted = [...new Set(available)].sort(semver.compare);
  if (sorted.length === 0) return [];
  // Index of the first available version above the one asked for; the window is centred there.
  let anchor = sorted.length;
  if (spec.kind === 'range') {
    const min = semver.minVersion(spec.range);
    const above = min ? sorted.findIndex((v) => semver.gt(v, min)) : -1;
    if (above >= 0) anchor = above;
  }
  const start = Math.min(Math.max(0, anchor - (count - Math.floor(count / 2))), Math.max(0, sorted.length - count));
  return sorted.slice(start, start + count).reverse().map(semverToGoVersion);
}

/** Picks the newest release matching the spec that has an archive for this platform; throws with the closest versions. */
export function resolveRelease(spec: GoVersionSpec, releases: readonly GoRelease[], platform: GoPlatform): ResolvedGoRelease {
  const list = candidates(releases, platform);
  let match: Candidate | undefined;
  if (spec.kind === 'alias') {
    const stable = list.filter((c) => c.stable);
    if (spec.alias === 'stable') match = stable[0];
    else {
      const newestLine = stable[0] && `${semver.major(stable[0].semver)}.${semver.minor(stable[0].semver)}`;
      match = stable.find((c) => `${semver.major(c.semver)}.${semver.minor(c.semver)}` !== newestLine);
    }
  } else {
    match = list.find((c) => semver.satisfies(c.semver, spec.range));
  }
  if (!match) throw new GoVersionNotFoundError(spec.text, formatGoPlatform(platform), closestVersions(spec, list.map((c) => c.semver)));
  return { version: semverToGoVersion(match.semver), semver: match.semver, file: match.file };
}

/** The newest version already in the tool cache (semver folder names) that satisfies the spec; aliases need the release list. */
export function matchToolCache(spec: GoVersionSpec, installed: readonly string[]): string | undefined {
  if (spec.kind === 'alias') return undefined;
  return semver.maxSatisfying([...installed], spec.range) ?? undefined;
}

/** The download base: the input, else GO_DOWNLOAD_BASE_URL, else go.dev; without a trailing slash. */
export function downloadBaseUrl(input: string, env: NodeJS.ProcessEnv): string {
  const value = input.trim() || env.GO_DOWNLOAD_BASE_URL?.trim() || DEFAULT_GO_DOWNLOAD_BASE_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(GoInputs.downloadBaseUrl, value, 'an http(s) URL such as https://go.dev/dl (also read from GO_DOWNLOAD_BASE_URL)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(GoInputs.downloadBaseUrl, value, 'an http(s) URL such as https://go.dev/dl (also read from GO_DOWNLOAD_BASE_URL)');
  }
  return value.replace(/\/+$/, '');
}

/** `<base>/?mode=json&include=all`, as go.dev serves the list of every release. */
export function releaseListUrl(base: string): string {
  return `${base}/?mode=json&include=all`;
}

export function archiveUrl(base: string, file: GoReleaseFile): string {
  return `${base}/${file.filename}`;
}
