import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ActionError, CommandError, InputError } from '../errors.js';
import type { Exec } from '../tools.js';
import { Inputs } from '../inputs.js';
import type { DependencyPackage } from './deps.js';

/** The go command the action builds with, and what it says about itself. */
export interface GoTool {
  /** Path or name of the go binary. */
  go: string;
  version: string;
  goroot: string;
  /** The build and module caches `go env` reports (what the cache service saves and restores). */
  gocache: string;
  gomodcache: string;
  env: NodeJS.ProcessEnv;
}

/** One `go env` per Go binary: version, GOROOT and the cache folders. */
export async function describeGo(exec: Exec, go: string, env: NodeJS.ProcessEnv): Promise<GoTool> {
  const { stdout } = await exec(go, ['env', '-json', 'GOVERSION', 'GOROOT', 'GOCACHE', 'GOMODCACHE'], { env }).catch((error: unknown) => {
    throw new ActionError(`Go is not usable: ${(error as Error).message}. Install Go or put it on PATH.`, { cause: error });
  });
  const parsed = JSON.parse(stdout) as { GOVERSION: string; GOROOT: string; GOCACHE?: string; GOMODCACHE?: string };
  return { go, version: parsed.GOVERSION.replace(/^go/, ''), goroot: parsed.GOROOT, gocache: parsed.GOCACHE ?? '', gomodcache: parsed.GOMODCACHE ?? '', env };
}

/** `go tool dist list`: every os/arch pair this toolchain can target. */
export async function distList(exec: Exec, tool: GoTool): Promise<string[]> {
  const { stdout } = await exec(tool.go, ['tool', 'dist', 'list'], { env: tool.env });
  return stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}

/** Fails fast, naming the input, when working-directory holds no Go module. */
export async function requireGoModule(workingDirectory: string, shownAs: string): Promise<void> {
  try {
    await fs.access(path.join(workingDirectory, 'go.mod'));
  } catch {
    throw new InputError(Inputs.workingDirectory.name, shownAs, `a folder holding a go.mod (none at ${path.join(workingDirectory, 'go.mod')})`);
  }
}

/** The main packages of the module in `workingDirectory`, as ./relative folders (empty when go list fails). */
export async function listMainPackages(exec: Exec, tool: GoTool, workingDirectory: string): Promise<string[]> {
  try {
    const { stdout } = await exec(tool.go, ['list', '-e', '-f', '{{if eq .Name "main"}}{{.Dir}}{{end}}', './...'], { cwd: workingDirectory, env: tool.env });
    return mainPackagePaths(stdout, workingDirectory);
  } catch {
    return [];
  }
}

/** `go list` folders → `.`, `./cmd/api` (pure). */
export function mainPackagePaths(stdout: string, workingDirectory: string, pathImpl: path.PlatformPath = path): string[] {
  return stdout
    .split(/\r?\n/)
    .map((dir) => dir.trim())
    .filter(Boolean)
    .map((dir) => pathImpl.relative(workingDirectory, dir).split(pathImpl.sep).join('/'))
    .map((relative) => (relative === '' ? '.' : `./${relative}`))
    .sort();
}

/** What the `main` error adds: the module's main packages, or that it has none. */
export function mainPackagesHint(found: readonly string[]): string {
  if (found.length === 0) return 'the module has no main package';
  const shown = found.slice(0, 10).join(', ');
  return `main packages in the module: ${shown}${found.length > 10 ? `, and ${found.length - 10} more` : ''}`;
}

/** Why the listed packages are not one `package main` of the module, or undefined when they are (pure). */
export function mainPackageProblem(packages: readonly DependencyPackage[]): string | undefined {
  const named = packages.filter((p) => !p.depOnly);
  if (named.length > 1) return `it is a pattern matching ${named.length} packages; patterns are not accepted`;
  const [main] = named;
  if (!main) return 'go list found no package';
  if (main.name !== 'main') return `it is package ${main.name || '(none)'}`;
  if (main.standard || !main.module) return `it is ${main.importPath}, a command of the Go distribution, not a package of the module`;
  return undefined;
}

/**
 * Fails, naming the input and listing the module's main packages, unless `mainPackage` is one
 * `package main` inside the module. `listing` is the run's one `go list -deps` of it, made with
 * CGO_ENABLED=0 as it is built, so a main package that needs cgo fails here (see go/cgo.ts).
 */
export async function requireMainPackage(exec: Exec, tool: GoTool, workingDirectory: string, mainPackage: string, listing: Promise<readonly DependencyPackage[]>): Promise<void> {
  let problem: string | undefined;
  try {
    problem = mainPackageProblem(await listing);
    if (!problem) return;
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    problem = error.stderrTail.split('\n')[0] ?? '';
  }
  const hint = mainPackagesHint(await listMainPackages(exec, tool, workingDirectory));
  throw new InputError(Inputs.main.name, mainPackage, `the path of one main package in the module (${problem}; ${hint})`);
}
