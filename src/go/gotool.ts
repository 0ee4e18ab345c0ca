import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ActionError, CommandError, InputError } from '../errors.js';
import type { Exec } from '../tools.js';
import { Inputs } from '../inputs.js';

/** The go command the action builds with, and what it says about itself. */
export interface GoTool {
  /** Path or name of the go binary. */
  go: string;
  version: string;
  goroot: string;
  env: NodeJS.ProcessEnv;
}

export async function describeGo(exec: Exec, go: string, env: NodeJS.ProcessEnv): Promise<GoTool> {
  const { stdout } = await exec(go, ['env', '-json', 'GOVERSION', 'GOROOT'], { env }).catch((error: unknown) => {
    throw new ActionError(`Go is not usable: ${(error as Error).message}. Install Go or put it on PATH.`, { cause: error });
  });
  const parsed = JSON.parse(stdout) as { GOVERSION: string; GOROOT: string };
  return { go, version: parsed.GOVERSION.replace(/^go/, ''), goroot: parsed.GOROOT, env };
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
 * Fails, naming the input and listing the module's main packages, unless `mainPackage` is one
 * `package main` inside the module. Listed with CGO_ENABLED=0, as it is built, so a main package
 * that needs cgo fails here (see go/cgo.ts).
 */
export async function requireMainPackage(exec: Exec, tool: GoTool, workingDirectory: string, mainPackage: string): Promise<void> {
  let problem: string;
  try {
    const { stdout } = await exec(tool.go, ['list', '-f', '{{.Name}}', mainPackage], { cwd: workingDirectory, env: { ...tool.env, CGO_ENABLED: '0' } });
    const names = stdout.split('\n').map((line) => line.trim()).filter(Boolean);
    if (names.length === 1 && names[0] === 'main') return;
    problem = names.length > 1 ? `it is a pattern matching ${names.length} packages; patterns are not accepted` : `it is package ${names[0] ?? '(none)'}`;
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    problem = error.stderrTail.split('\n')[0] ?? '';
  }
  const hint = mainPackagesHint(await listMainPackages(exec, tool, workingDirectory));
  throw new InputError(Inputs.main.name, mainPackage, `the path of one main package in the module (${problem}; ${hint})`);
}
