/**
 * The attribution as the action made it before it read the function table: an unstripped build's
 * symbols (`go tool nm -size`) by module. Kept as the test oracle that the pclntab attribution is
 * compared with (integration/attribution.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseBuildInfo } from '../../src/go/buildinfo.js';
import { readElfSections, SHF_ALLOC, SHT_NOBITS } from '../../src/go/elf-sections.js';
import { moduleOf, symbolPackage, type ModuleShare } from '../../src/report/attribution.js';

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

/**
 * Symbol bytes by module, the old way. `types` picks the nm types counted: `TtRrDd` is what the
 * action reported (code, read-only data, data), `Tt` the code alone, which is what the function
 * table can see. Symbols in zero-filled sections (.bss/.noptrbss, which nm labels D at times) are left out.
 */
export function nmAttribution(unstrippedBinary: string, types = 'TtRrDd'): { total: number; modules: ModuleShare[] } {
  const symbols = parseNm(execFileSync('go', ['tool', 'nm', '-size', unstrippedBinary], { maxBuffer: 1 << 28 }).toString());
  const info = parseBuildInfo(execFileSync('go', ['version', '-m', unstrippedBinary]).toString());
  const loaded = readElfSections(readFileSync(unstrippedBinary)).sections.filter((s) => s.type !== SHT_NOBITS && s.flags & SHF_ALLOC);
  const shares = new Map<string, ModuleShare>();
  let total = 0;
  for (const symbol of symbols) {
    if (symbol.size <= 0 || !types.includes(symbol.type)) continue;
    if (!loaded.some((s) => symbol.address >= s.address && symbol.address < s.address + s.size)) continue;
    const owner = moduleOf(symbolPackage(symbol.name), info);
    const share = shares.get(owner.module) ?? { ...owner, bytes: 0 };
    share.bytes += symbol.size;
    shares.set(owner.module, share);
    total += symbol.size;
  }
  return { total, modules: [...shares.values()].sort((a, b) => b.bytes - a.bytes) };
}

/** Each entry's percentage of the entries that are not sections (modules and the unattributed code). */
export function sharesOfNamed(modules: readonly ModuleShare[]): Map<string, number> {
  const named = modules.filter((m) => m.kind !== 'section');
  const sum = named.reduce((total, m) => total + m.bytes, 0);
  return new Map(named.map((m) => [m.module, (m.bytes / sum) * 100]));
}

/** The bytes of one package's symbols of the given nm types (`T`: its code) in an unstripped binary. */
export function nmPackageBytes(unstrippedBinary: string, pkg: string, types = 'T'): number {
  const symbols = parseNm(execFileSync('go', ['tool', 'nm', '-size', unstrippedBinary], { maxBuffer: 1 << 28 }).toString());
  return symbols.filter((s) => s.size > 0 && types.includes(s.type) && symbolPackage(s.name) === pkg).reduce((sum, s) => sum + s.size, 0);
}
