/**
 * What in a Go binary takes the bytes, by module.
 *
 * Method: the shipped binary is stripped (-s -w), so the action builds an unstripped copy of the
 * same package with the same GOOS/GOARCH/tags/trimpath (src/go/symbols.ts), lists its symbols with
 * sizes (`go tool nm -size -sort size`) and maps each symbol to its package (the symbol name is
 * `<import path>.<name>`, with dots in the last path element escaped as %2e), then each package to
 * the module that provides it by the longest module-path prefix among the modules `go version -m`
 * lists (the main module and every `dep`). Packages no module provides and whose first path element
 * has no dot are the standard library (Go's own rule; std's vendored `vendor/golang.org/x/...` too).
 * Only symbols in file-backed segments count: zero-filled .bss/.noptrbss costs no bytes in the
 * image. Code, read-only data and data are counted; the pclntab, symbol and DWARF tables are not
 * symbols of a package, so the total is smaller than the file: it is a share, not the file size.
 * The same build stripped differs from the shipped one only by those tables, so the shares carry over.
 */
import type { AddressRange } from '../go/elf-segments.js';

export interface NmSymbol {
  address: number;
  size: number;
  /** nm type letter: T/t text, R/r rodata, D/d data, B/b bss, U undefined, C constant. */
  type: string;
  name: string;
}

/** Lines of `go tool nm -size [-sort size]`: `address size type name` (names may hold spaces). */
export function parseNm(text: string): NmSymbol[] {
  const symbols: NmSymbol[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*([0-9a-f]+)?\s+(\d+)\s+(\S)\s+(.+)$/.exec(line);
    if (!match) continue;
    symbols.push({ address: match[1] ? parseInt(match[1], 16) : 0, size: Number(match[2]), type: match[3]!, name: match[4]!.trimEnd() });
  }
  return symbols;
}

export interface BuildInfo {
  goVersion: string;
  /** Import path of the main package (`path` line). */
  path: string;
  mainModule: string;
  deps: { path: string; version: string; replacedBy?: string }[];
  settings: Record<string, string>;
}

/** The output of `go version -m <binary>`. */
export function parseBuildInfo(text: string): BuildInfo {
  const info: BuildInfo = { goVersion: '', path: '', mainModule: '', deps: [], settings: {} };
  for (const line of text.split('\n')) {
    const header = /^\S.*:\s+(go\S+)$/.exec(line);
    if (header) {
      info.goVersion = header[1]!;
      continue;
    }
    const fields = line.replace(/^\t/, '').split('\t');
    const [key, a, b] = fields;
    if (key === 'path' && a) info.path = a;
    else if (key === 'mod' && a) info.mainModule = a;
    else if (key === 'dep' && a) info.deps.push({ path: a, version: b ?? '' });
    else if (key === '=>' && a && info.deps.length > 0) info.deps[info.deps.length - 1]!.replacedBy = b ? `${a} ${b}` : a;
    else if (key === 'build' && a) {
      const equals = a.indexOf('=');
      if (equals > 0) info.settings[a.slice(0, equals)] = a.slice(equals + 1);
    }
  }
  return info;
}

/** Where bytes that belong to no package go (type metadata of anonymous types, strings, float constants). */
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

/** Symbol types whose bytes are in the file: text, read-only data, data. */
const COUNTED_TYPES = new Set(['T', 't', 'R', 'r', 'D', 'd']);

export interface ModuleShare {
  /** Module path, `std` for the standard library, or UNATTRIBUTED. */
  module: string;
  version?: string;
  kind: 'main' | 'std' | 'dep' | 'other';
  bytes: number;
}

export interface Attribution {
  goVersion: string;
  mainModule: string;
  /** Sum of counted symbol bytes (less than the file size, see the module comment). */
  total: number;
  /** Largest first. */
  modules: ModuleShare[];
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

/**
 * Groups symbol sizes by module. `fileRanges` (from the ELF program headers) drops symbols that
 * occupy no file bytes; without it, only the nm type decides.
 */
export function attribute(symbols: readonly NmSymbol[], info: BuildInfo, fileRanges?: readonly AddressRange[]): Attribution {
  const shares = new Map<string, ModuleShare>();
  let total = 0;
  for (const symbol of symbols) {
    if (symbol.size <= 0 || !COUNTED_TYPES.has(symbol.type)) continue;
    if (fileRanges && !fileRanges.some((r) => symbol.address >= r.start && symbol.address < r.end)) continue;
    const owner = moduleOf(symbolPackage(symbol.name), info);
    const share = shares.get(owner.module) ?? { ...owner, bytes: 0 };
    share.bytes += symbol.size;
    shares.set(owner.module, share);
    total += symbol.size;
  }
  const modules = [...shares.values()].sort((a, b) => b.bytes - a.bytes || a.module.localeCompare(b.module));
  return { goVersion: info.goVersion, mainModule: info.mainModule, total, modules };
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

/** The modules whose share grew or that appeared: what the PR comment names. */
export function modulesThatGrew(changes: readonly ModuleChange[]): ModuleChange[] {
  return changes.filter((c) => c.status === 'new' || c.status === 'grew');
}
