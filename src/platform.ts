/** A target platform as OCI names it (os/arch[/variant]) and what the Go toolchain needs for it. */
export interface Platform {
  os: string;
  arch: string;
  variant?: string;
}

const PLATFORM_FORM = /^([a-z0-9]+)\/([a-z0-9]+)(?:\/([a-z0-9]+))?$/;

/** Accepted variants per architecture, and the Go environment each one sets. */
const VARIANT_ENV: Record<string, { variants: string[]; env?: (variant: string) => Record<string, string> }> = {
  arm: { variants: ['v5', 'v6', 'v7'], env: (v) => ({ GOARM: v.slice(1) }) },
  arm64: { variants: ['v8'] },
  amd64: { variants: ['v1', 'v2', 'v3', 'v4'], env: (v) => ({ GOAMD64: v }) },
};

export class PlatformSyntaxError extends Error {
  constructor(readonly value: string, reason: string) {
    super(reason);
    this.name = 'PlatformSyntaxError';
  }
}

/**
 * Parses one `os/arch[/variant]`. Normalizes the way BuildKit does: `arm64/v8` is `arm64`,
 * `amd64/v1` is `amd64`, and a bare `linux/arm` means `linux/arm/v7`.
 */
export function parsePlatform(text: string): Platform {
  const value = text.trim().toLowerCase();
  const match = PLATFORM_FORM.exec(value);
  if (!match) throw new PlatformSyntaxError(text, `"${text}" is not of the form os/arch or os/arch/variant`);
  const [, os, arch, variant] = match as unknown as [string, string, string, string | undefined];
  if (variant === undefined) return arch === 'arm' ? { os, arch, variant: 'v7' } : { os, arch };
  const rule = VARIANT_ENV[arch];
  if (!rule) throw new PlatformSyntaxError(text, `${arch} has no variants, "${variant}" was given`);
  if (!rule.variants.includes(variant)) {
    throw new PlatformSyntaxError(text, `${arch} accepts the variants ${rule.variants.join(', ')}, not "${variant}"`);
  }
  if ((arch === 'arm64' && variant === 'v8') || (arch === 'amd64' && variant === 'v1')) return { os, arch };
  return { os, arch, variant };
}

/** Splits a comma or newline list, parses each entry and drops duplicates (order kept). */
export function parsePlatformList(text: string): Platform[] {
  const seen = new Set<string>();
  const platforms: Platform[] = [];
  for (const entry of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
    const platform = parsePlatform(entry);
    const key = formatPlatform(platform);
    if (!seen.has(key)) {
      seen.add(key);
      platforms.push(platform);
    }
  }
  return platforms;
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.arch, platform.variant].filter(Boolean).join('/');
}

/** Folder name of a platform inside the build context; matches `${TARGETOS}-${TARGETARCH}${TARGETVARIANT}`. */
export function platformSlug(platform: Platform): string {
  return `${platform.os}-${platform.arch}${platform.variant ?? ''}`;
}

/** The GOOS/GOARCH (and GOARM/GOAMD64) environment that cross-compiles for the platform. */
export function goEnv(platform: Platform): Record<string, string> {
  const extra = platform.variant ? (VARIANT_ENV[platform.arch]?.env?.(platform.variant) ?? {}) : {};
  return { GOOS: platform.os, GOARCH: platform.arch, ...extra };
}

/**
 * The Linux targets of `go tool dist list` (Go 1.26). Checked while parsing inputs, so a typo fails
 * before Go is downloaded; the toolchain's own list is checked again once it is installed.
 */
export const LINUX_GO_PLATFORMS = [
  'linux/386', 'linux/amd64', 'linux/arm', 'linux/arm64', 'linux/loong64', 'linux/mips', 'linux/mips64',
  'linux/mips64le', 'linux/mipsle', 'linux/ppc64', 'linux/ppc64le', 'linux/riscv64', 'linux/s390x',
] as const;

/** The first Go release whose `go tool dist list` holds every platform of LINUX_GO_PLATFORMS (linux/loong64 came in 1.19). */
const LINUX_GO_PLATFORMS_SINCE = [1, 19] as const;

/**
 * The Linux platforms a Go toolchain of `goVersion` (e.g. 1.26.8, 1.27rc1) can target, from the table
 * above, so a run need not ask `go tool dist list`; undefined for a Go older than the table, where the
 * toolchain is asked. A test holds the table to `go tool dist list`.
 */
export function knownLinuxPlatforms(goVersion: string): readonly string[] | undefined {
  const [major = 0, minor = 0] = /^(\d+)\.(\d+)/.exec(goVersion)?.slice(1).map(Number) ?? [];
  const [sinceMajor, sinceMinor] = LINUX_GO_PLATFORMS_SINCE;
  return major > sinceMajor || (major === sinceMajor && minor >= sinceMinor) ? LINUX_GO_PLATFORMS : undefined;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The entries of `known` closest to `wanted`, nearest first. */
export function closestMatches(wanted: string, known: readonly string[], count = 3): string[] {
  return [...known]
    .map((candidate) => ({ candidate, distance: editDistance(wanted, candidate) }))
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate))
    .slice(0, count)
    .map((x) => x.candidate);
}

/**
 * Platforms the Go toolchain cannot build (checked against `go tool dist list`),
 * each with the nearest supported os/arch pairs.
 */
export function unsupportedPlatforms(platforms: readonly Platform[], distList: readonly string[]): { platform: string; closest: string[] }[] {
  const supported = new Set(distList);
  return platforms
    .filter((p) => !supported.has(`${p.os}/${p.arch}`))
    .map((p) => ({ platform: formatPlatform(p), closest: closestMatches(`${p.os}/${p.arch}`, distList) }));
}
