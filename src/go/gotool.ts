import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ActionError, CommandError, errorMessage, InputError } from '../errors.js';
import { explainCgoFailure } from './cgo.js';
import type { Exec } from '../tools.js';
import { Inputs } from '../inputs.js';
import { listDependencies, type DependencyPackage } from './deps.js';

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

/**
 * `go` refusing the module because its go.mod (or go.work) asks for a newer Go than the one the run
 * uses, as InputError naming go-version and the go line (pure); undefined for any other error.
 * `goMod` is the text of the file go names, to show its line.
 */
export function goTooOldError(stderr: string, goMod?: string): InputError | undefined {
  const match = /\b(go\.mod|go\.work) requires go >= ([0-9][^\s)]*) \(running go ([0-9][^\s;)]*)/.exec(stderr);
  if (!match) return undefined;
  const [, file, needed, running] = match;
  const lines = (goMod ?? '').split(/\r?\n/);
  const lineIndex = lines.findIndex((line) => /^\s*go\s+[0-9]/.test(line));
  const where = lineIndex >= 0 ? `${file} line ${lineIndex + 1} says "${lines[lineIndex]!.trim()}"` : `${file} asks for go >= ${needed}`;
  return new InputError(
    Inputs.goVersion.name,
    running!,
    `Go ${needed} or later: ${where}, and Go ${running} cannot build it. Set go-version (or go-version-file) to ${needed} or later, ` +
      `leave both empty to use the version ${file} names, or lower the go line if the module really builds with Go ${running}`,
  );
}

/** Why the listed packages are not one `package main` of this module, or undefined when they are (pure). */
export function mainPackageProblem(packages: readonly DependencyPackage[]): string | undefined {
  const named = packages.filter((p) => !p.depOnly);
  if (named.length > 1) return `it is a pattern matching ${named.length} packages; patterns are not accepted`;
  const [main] = named;
  if (!main) return 'go list found no package';
  if (main.name !== 'main') return `it is package ${main.name || '(none)'}`;
  if (main.standard) return 'it is a command of the Go distribution, outside the module';
  if (!main.mainModule) return 'it is a main package of another module (a dependency), outside the module';
  return undefined;
}

/**
 * Fails, naming the input and listing the module's main packages, unless `mainPackage` is one
 * `package main` inside the module (not a Go command such as cmd/gofmt, nor a dependency's). `listing`
 * is the run's one `go list -deps` of it (listed here when not given), made with CGO_ENABLED=0 as it
 * is built, so a main package that needs cgo fails here (see go/cgo.ts). A go.mod asking for a newer
 * Go fails naming go-version instead.
 */
export async function requireMainPackage(
  exec: Exec,
  tool: GoTool,
  workingDirectory: string,
  mainPackage: string,
  listing: Promise<readonly DependencyPackage[]> = listDependencies(exec, tool.go, workingDirectory, mainPackage, { ...tool.env, CGO_ENABLED: '0' }, []),
): Promise<void> {
  let problem: string | undefined;
  try {
    problem = mainPackageProblem(await listing);
    if (problem === undefined) return;
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const file = /\bgo\.work requires go/.test(error.stderrTail) ? 'go.work' : 'go.mod';
    const tooOld = goTooOldError(error.stderrTail, await fs.readFile(path.join(workingDirectory, file), 'utf8').catch(() => undefined));
    if (tooOld) throw tooOld;
    // A package of the program that has only cgo files: not a wrong `main`; the failure message explains it (go/cgo.ts).
    if (explainCgoFailure(errorMessage(error))) throw error;
    problem = error.stderrTail.split('\n')[0] ?? '';
  }
  const hint = mainPackagesHint(await listMainPackages(exec, tool, workingDirectory));
  throw new InputError(Inputs.main.name, mainPackage, `the path of one main package in the module (${problem}; ${hint})`);
}
