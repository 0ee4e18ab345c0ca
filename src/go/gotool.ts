import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ActionError, CommandError, InputError } from '../errors.js';
import { execCommand } from '../exec.js';
import { Inputs } from '../inputs.js';

/** The go command the action builds with, and what it says about itself. */
export interface GoTool {
  /** Path or name of the go binary. */
  go: string;
  version: string;
  goroot: string;
  env: NodeJS.ProcessEnv;
}

export async function describeGo(go: string, env: NodeJS.ProcessEnv): Promise<GoTool> {
  const { stdout } = await execCommand(go, ['env', '-json', 'GOVERSION', 'GOROOT'], { env }).catch((error: unknown) => {
    throw new ActionError(`Go is not usable: ${(error as Error).message}. Install Go or put it on PATH.`, { cause: error });
  });
  const parsed = JSON.parse(stdout) as { GOVERSION: string; GOROOT: string };
  return { go, version: parsed.GOVERSION.replace(/^go/, ''), goroot: parsed.GOROOT, env };
}

/** `go tool dist list`: every os/arch pair this toolchain can target. */
export async function distList(tool: GoTool): Promise<string[]> {
  const { stdout } = await execCommand(tool.go, ['tool', 'dist', 'list'], { env: tool.env });
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

/**
 * Fails, naming the input, unless `mainPackage` is a `package main` inside the module. Listed with
 * CGO_ENABLED=0, as it is built, so a main package that needs cgo fails here (see go/cgo.ts).
 */
export async function requireMainPackage(tool: GoTool, workingDirectory: string, mainPackage: string): Promise<void> {
  try {
    const { stdout } = await execCommand(tool.go, ['list', '-f', '{{.Name}}', mainPackage], { cwd: workingDirectory, env: { ...tool.env, CGO_ENABLED: '0' } });
    const name = stdout.trim();
    if (name !== 'main') throw new InputError(Inputs.main.name, mainPackage, `the path of a main package (it is package ${name})`);
  } catch (error) {
    if (error instanceof CommandError) throw new InputError(Inputs.main.name, mainPackage, `the path of a main package in the module (${error.stderrTail.split('\n')[0]})`);
    throw error;
  }
}
