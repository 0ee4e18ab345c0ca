import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Exec } from '../tools.js';

/** One package of the main package's dependency graph, as `go list -deps` reports it. */
export interface DependencyPackage {
  importPath: string;
  standard: boolean;
  dir: string;
  goFiles: string[];
  /** The package clause (`main` for a command). */
  name: string;
  /** False for the packages the pattern named, true for those listed only as their imports. */
  depOnly: boolean;
  /** The module the package belongs to; empty for the standard library. */
  module: string;
  /** True when that module is the main module (the one in working-directory), not a dependency. */
  mainModule: boolean;
}

const FORMAT = '{{.ImportPath}}\t{{.Standard}}\t{{.Dir}}\t{{join .GoFiles ","}}\t{{.Name}}\t{{.DepOnly}}\t{{with .Module}}{{.Path}}{{end}}\t{{with .Module}}{{.Main}}{{end}}';

export function parseDepsListing(listing: string): DependencyPackage[] {
  return listing
    .split(/\r?\n/)
    .filter(Boolean)
    .map((line) => {
      const [importPath = '', standard, dir = '', files = '', name = '', depOnly, module = '', mainModule] = line.split('\t');
      return { importPath, standard: standard === 'true', dir, goFiles: files ? files.split(',') : [], name, depOnly: depOnly === 'true', module, mainModule: mainModule === 'true' };
    });
}

/**
 * The main package as it is built (the first platform's GOOS/GOARCH, CGO_ENABLED=0, the build tags)
 * and every package it imports, from one `go list -deps`: the main-package check and the CA/zoneinfo
 * rules both read it, so Go loads the package graph once per run.
 */
export async function listDependencies(exec: Exec, go: string, cwd: string, mainPackage: string, env: NodeJS.ProcessEnv, buildTags: readonly string[]): Promise<DependencyPackage[]> {
  const args = ['list', '-deps', '-f', FORMAT];
  if (buildTags.length > 0) args.push('-tags', buildTags.join(','));
  const { stdout } = await exec(go, [...args, mainPackage], { cwd, env });
  return parseDepsListing(stdout);
}

/** TLS clients and servers verify peers with crypto/x509, which needs a CA bundle on Linux. */
export function needsCaCertificates(packages: readonly DependencyPackage[]): boolean {
  return packages.some((p) => p.importPath === 'crypto/x509');
}

const LOADS_LOCATION = /\bLoadLocation\s*\(/;

/**
 * The `timezone-data: auto` rule: zoneinfo goes into the image when some non-standard package of
 * the program calls time.LoadLocation and the program does not embed time/tzdata itself. Programs
 * that only use UTC or the local zone (which is UTC in a scratch container) need no zoneinfo.
 */
export async function needsZoneinfo(packages: readonly DependencyPackage[], readFile = (file: string) => fs.readFile(file, 'utf8')): Promise<boolean> {
  if (packages.some((p) => p.importPath === 'time/tzdata')) return false;
  for (const pkg of packages.filter((p) => !p.standard)) {
    for (const file of pkg.goFiles) {
      if (LOADS_LOCATION.test(await readFile(path.join(pkg.dir, file)))) return true;
    }
  }
  return false;
}
