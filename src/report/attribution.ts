/**
 * What in a Go binary takes the bytes, by module.
 *
 * Method: read from the shipped, stripped binary itself (src/report/binary-attribution.ts). Its function
 * table (pclntab, which `-s -w` keeps) names every function and gives the length of its code; each
 * name maps to its package (`<import path>.<name>`, dots in the last path element escaped as %2e),
 * then each package to the module that provides it by the longest module-path prefix among the
 * modules of the build information (the main module and every `dep`, also kept by `-s -w`).
 * Packages no module provides and whose first path element has no dot are the standard library
 * (Go's own rule; std's vendored `vendor/golang.org/x/...` too). So a module's bytes are its code.
 * Everything else in the file has no names once stripped: read-only data (type descriptors,
 * strings, constant tables, function metadata), the function table itself, initialised data, the
 * code alignment padding, the ELF headers and the page alignment between segments. Those are
 * listed as sections, never guessed into modules, and all entries add up to the file size.
 *
 * Reports stored before this method (basis absent) attributed an unstripped build's code, rodata
 * and data symbols; the two are not compared with each other.
 */
import type { BuildInfo } from '../go/buildinfo.js';

/** Code whose function name names no package (linker-made functions such as `go:buildid`). */
export const UNATTRIBUTED = '(unattributed)';
export const STD = 'std';

const TYPE_SYNTAX = /^(\*|\[\d*\]|map\[|chan |<-chan |chan<- )/;

/** The import path a symbol belongs to, undefined when it belongs to none. */
export function symbolPackage(symbol: string): string | undefined {
  let name = symbol;
  if (name.startsWith('go:itab.')) name = name.slice('go:itab.'.length).split(',')[0]!;
  else if (name.startsWith('type:')) name = name.replace(/^type:(\.(eq|hash)\.)?/, '');
  else if (name.startsWith('go:') || name.startsWith('$') || name.startsWith('_')) return undefined;
  while (TYPE_SYNTAX.test(name)) name = name.replace(TYPE_SYNTAX, '');
  if (/^(struct|interface|func|noalg\.)/.test(name) || name.startsWith('go:')) return undefined;
  const cut = name.search(/[[( ]/);
  const head = cut < 0 ? name : name.slice(0, cut);
  const dot = head.indexOf('.', head.lastIndexOf('/') + 1);
  if (dot <= 0) return undefined;
  const pkg = head.slice(0, dot);
  try {
    return decodeURIComponent(pkg);
  } catch {
    return pkg;
  }
}

export interface ModuleShare {
  /** Module path, `std` for the standard library, UNATTRIBUTED, or a SECTIONS label. */
  module: string;
  version?: string;
  /** `section`: bytes the stripped binary holds without names (see SECTIONS). */
  kind: 'main' | 'std' | 'dep' | 'other' | 'section';
  bytes: number;
}

/** Code of one package of the standard library or the main module (other modules are named whole). */
export interface PackageShare {
  /** Import path, e.g. `encoding/xml`; `main` for the main package. */
  package: string;
  /** The module it belongs to: `std` or the main module's path. */
  module: string;
  bytes: number;
}

export interface Attribution {
  goVersion: string;
  mainModule: string;
  /** Sum of all entries: the size of the binary file (with basis `symbols`: of the symbols counted). */
  total: number;
  /** Largest first; modules and sections together. */
  modules: ModuleShare[];
  /** `pclntab`: code by module, the rest by section (this method). Absent in older stored reports: `symbols`. */
  basis?: 'pclntab';
  /**
   * The code of `std` and of the main module split by package, largest first, so a report says
   * which import grew. Absent in reports stored before it.
   */
  packages?: PackageShare[];
}

/** Labels of the bytes that stay unnamed in a stripped binary. Parenthesised: never a module path. */
export const SECTIONS = {
  readOnlyData: '(read-only data)',
  functionTable: '(function table)',
  data: '(data)',
  codePadding: '(code alignment)',
  fileStructure: '(ELF headers, page alignment)',
} as const;

/** A function's name and code length, as the function table gives them. */
export interface FunctionCode {
  name: string;
  size: number;
}

/**
 * Groups function code by module and adds the unnamed bytes by section (pure). Sections of zero
 * bytes are left out.
 */
export function attributeCode(functions: readonly FunctionCode[], info: BuildInfo, sections: readonly { label: string; bytes: number }[]): Attribution {
  const shares = new Map<string, ModuleShare>();
  const owners = new Map<string, Pick<ModuleShare, 'module' | 'version' | 'kind'>>();
  const packages = new Map<string, PackageShare>();
  let total = 0;
  for (const fn of functions) {
    if (fn.size <= 0) continue;
    const pkg = symbolPackage(fn.name);
    let owner = owners.get(pkg ?? '');
    if (!owner) {
      owner = moduleOf(pkg, info);
      owners.set(pkg ?? '', owner);
    }
    const share = shares.get(owner.module) ?? { ...owner, bytes: 0 };
    share.bytes += fn.size;
    shares.set(owner.module, share);
    if (pkg !== undefined && (owner.kind === 'std' || owner.kind === 'main')) {
      const byPackage = packages.get(pkg) ?? { package: pkg, module: owner.module, bytes: 0 };
      byPackage.bytes += fn.size;
      packages.set(pkg, byPackage);
    }
    total += fn.size;
  }
  for (const { label, bytes } of sections) {
    if (bytes <= 0) continue;
    const share = shares.get(label) ?? { module: label, kind: 'section' as const, bytes: 0 };
    share.bytes += bytes;
    shares.set(label, share);
    total += bytes;
  }
  const modules = [...shares.values()].sort((a, b) => b.bytes - a.bytes || a.module.localeCompare(b.module));
  const byPackage = [...packages.values()].sort((a, b) => b.bytes - a.bytes || a.package.localeCompare(b.package));
  return { goVersion: info.goVersion, mainModule: info.mainModule, total, modules, basis: 'pclntab', packages: byPackage };
}

/** Whether two attributions were made the same way, so their per-module bytes can be compared. */
export function sameBasis(a: Attribution, b: Attribution): boolean {
  return (a.basis ?? 'symbols') === (b.basis ?? 'symbols');
}

/** Maps an import path to its module: longest module-path prefix, then std, then unattributed. */
export function moduleOf(pkg: string | undefined, info: Pick<BuildInfo, 'mainModule' | 'deps'>): Pick<ModuleShare, 'module' | 'version' | 'kind'> {
  if (pkg === undefined) return { module: UNATTRIBUTED, kind: 'other' };
  if (pkg === 'main' || pkg === 'command-line-arguments') return { module: info.mainModule, kind: 'main' };
  let best: Pick<ModuleShare, 'module' | 'version' | 'kind'> | undefined;
  const candidates = [{ path: info.mainModule, version: undefined as string | undefined, kind: 'main' as const }, ...info.deps.map((d) => ({ path: d.path, version: d.version, kind: 'dep' as const }))];
  for (const candidate of candidates) {
    if (!candidate.path || !(pkg === candidate.path || pkg.startsWith(`${candidate.path}/`))) continue;
    if (!best || candidate.path.length > best.module.length) best = { module: candidate.path, kind: candidate.kind, ...(candidate.version ? { version: candidate.version } : {}) };
  }
  if (best) return best;
  if (!pkg.split('/')[0]!.includes('.')) return { module: STD, kind: 'std' };
  return { module: UNATTRIBUTED, kind: 'other' };
}

/** The largest `count` entries; the rest folded into one `(n more)` line so the total still adds up. */
export function topModules(attribution: Attribution, count: number): ModuleShare[] {
  if (attribution.modules.length <= count) return attribution.modules;
  const rest = attribution.modules.slice(count);
  return [...attribution.modules.slice(0, count), { module: `(${rest.length} more)`, kind: 'other', bytes: rest.reduce((sum, m) => sum + m.bytes, 0) }];
}

export interface ModuleChange {
  module: string;
  status: 'new' | 'grew' | 'shrank' | 'removed';
  before: number;
  after: number;
  bytes: number;
  versionBefore?: string;
  versionAfter?: string;
}

/**
 * What changed per module between a baseline and the current binary, largest growth first.
 * Changes smaller than `minBytes` are noise (alignment, a changed string) and left out.
 */
export function compareAttributions(before: Attribution, after: Attribution, minBytes = 1): ModuleChange[] {
  const old = new Map(before.modules.map((m) => [m.module, m]));
  const now = new Map(after.modules.map((m) => [m.module, m]));
  const changes: ModuleChange[] = [];
  for (const module of new Set([...old.keys(), ...now.keys()])) {
    const a = old.get(module);
    const b = now.get(module);
    const bytes = (b?.bytes ?? 0) - (a?.bytes ?? 0);
    if (Math.abs(bytes) < minBytes || bytes === 0) continue;
    const status = !a ? 'new' : !b ? 'removed' : bytes > 0 ? 'grew' : 'shrank';
    changes.push({
      module,
      status,
      before: a?.bytes ?? 0,
      after: b?.bytes ?? 0,
      bytes,
      ...(a?.version ? { versionBefore: a.version } : {}),
      ...(b?.version ? { versionAfter: b.version } : {}),
    });
  }
  return changes.sort((x, y) => y.bytes - x.bytes || x.module.localeCompare(y.module));
}

/**
 * The modules whose share grew or that appeared: what the PR comment names. Parenthesised entries
 * (the unnamed sections, code of no package) move with everything else and are not modules.
 */
export function modulesThatGrew(changes: readonly ModuleChange[]): ModuleChange[] {
  return changes.filter((c) => (c.status === 'new' || c.status === 'grew') && !c.module.startsWith('('));
}

export interface PackageChange {
  package: string;
  module: string;
  before: number;
  after: number;
  bytes: number;
}

/** Packages smaller than this are summed per module in the stored report (report/stored.ts). */
export const PACKAGE_FLOOR = 1024;
/** The entry that sums a module's packages under PACKAGE_FLOOR. */
export const SMALLER_PACKAGES = '(smaller packages)';

/** Packages under `floor` bytes summed into one SMALLER_PACKAGES entry per module (pure). */
export function foldSmallPackages(packages: readonly PackageShare[], floor = PACKAGE_FLOOR): PackageShare[] {
  const kept: PackageShare[] = [];
  const folded = new Map<string, PackageShare>();
  for (const share of packages) {
    if (share.bytes >= floor && share.package !== SMALLER_PACKAGES) {
      kept.push(share);
      continue;
    }
    const rest = folded.get(share.module) ?? { package: SMALLER_PACKAGES, module: share.module, bytes: 0 };
    rest.bytes += share.bytes;
    folded.set(share.module, rest);
  }
  return [...kept, ...folded.values()];
}

/**
 * What changed per package of `std` and the main module, largest growth first; undefined when
 * either side was not split by package (a baseline stored before packages were). Both sides are
 * folded as the stored report folds them, so a small package is compared with the same sum.
 */
export function comparePackages(before: Attribution, after: Attribution): PackageChange[] | undefined {
  if (!before.packages || !after.packages) return undefined;
  const key = (p: PackageShare) => (p.package === SMALLER_PACKAGES ? `${p.module} ${p.package}` : p.package);
  const old = new Map(foldSmallPackages(before.packages).map((p) => [key(p), p]));
  const now = new Map(foldSmallPackages(after.packages).map((p) => [key(p), p]));
  const changes: PackageChange[] = [];
  for (const name of new Set([...old.keys(), ...now.keys()])) {
    const a = old.get(name);
    const b = now.get(name);
    const bytes = (b?.bytes ?? 0) - (a?.bytes ?? 0);
    if (bytes === 0) continue;
    changes.push({ package: (b ?? a)!.package, module: (b ?? a)!.module, before: a?.bytes ?? 0, after: b?.bytes ?? 0, bytes });
  }
  return changes.sort((x, y) => y.bytes - x.bytes || x.package.localeCompare(y.package));
}
