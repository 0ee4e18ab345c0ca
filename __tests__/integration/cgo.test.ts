import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorAnnotations, repoRoot, runStep, spawnNode } from '../helpers/action.js';
import { stack, uniqueRepository, type Stack } from '../helpers/stack.js';

const CGO_MAIN = 'package main\n\n/*\n#include <stdio.h>\nstatic void hello(void) { puts("hello from C"); }\n*/\nimport "C"\n\nfunc main() { C.hello() }\n';
const CGO_DEP = 'package dep\n\n// #include <stdlib.h>\nimport "C"\n\n// Free is the one thing the program uses.\nfunc Free() {}\n';
const USES_DEP = 'package main\n\nimport "example.com/cgoapp/dep"\n\nfunc main() { dep.Free() }\n';

/** A module with a cgo main package at the root and a pure-Go main that imports a cgo-only package. */
async function cgoWorkspace(): Promise<string> {
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-cgo-'));
  await fs.writeFile(path.join(workspace, 'go.mod'), 'module example.com/cgoapp\n\ngo 1.22\n');
  await fs.writeFile(path.join(workspace, 'main.go'), CGO_MAIN);
  await fs.mkdir(path.join(workspace, 'dep'));
  await fs.writeFile(path.join(workspace, 'dep/dep.go'), CGO_DEP);
  await fs.mkdir(path.join(workspace, 'cmd/app'), { recursive: true });
  await fs.writeFile(path.join(workspace, 'cmd/app/main.go'), USES_DEP);
  return workspace;
}

/** This machine's Go, which is on PATH: no download from go.dev (unreachable here). */
const goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim().replace(/^go/, '');

describe('a program that needs cgo, through the action', () => {
  let s: Stack;
  let workspace: string;
  beforeAll(async () => {
    s = stack();
    workspace = await cgoWorkspace();
  });

  it.each([
    ['the main package', '.', '', 'main.go'],
    ['a package it imports', './cmd/app', 'dep', 'dep.go'],
  ])('%s has only cgo files: the message names them and says what to do', async (_name, main, dir, file) => {
    const run = await runStep('main', { workspace, inputs: { image: uniqueRepository(s, 'cgo'), main, builder: s.builder, push: 'false', 'go-version': goVersion }, env: s.env });
    expect(run.exitCode).toBe(1);
    const errors = errorAnnotations(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`The program needs cgo: every Go file of ${path.join(workspace, dir)} (${file}) has import "C"`);
    expect(errors[0]).toContain('CGO_ENABLED=0');
    expect(errors[0]).toContain('pure-Go package');
    expect(errors[0]).toContain('build constraints exclude all Go files');
    console.log(`cgo (${main}): ${errors[0]!.split('\n').slice(0, 2).join(' / ')}`);
  }, 300_000);

  it('the CLI reports the failure in the action\'s words', async () => {
    const image = uniqueRepository(s, 'cgo-cli');
    const action = await runStep('main', { workspace, inputs: { image, main: '.', builder: s.builder, push: 'false', 'go-version': goVersion }, env: s.env });
    const [expected] = errorAnnotations(action);
    expect(expected).toContain('The program needs cgo');
    // A developer's shell: no runner variables.
    const runnerOwned = /^(INPUT_|GITHUB_|RUNNER_|STATE_|ACTIONS_)|^(NODE_OPTIONS|CI)$/;
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !runnerOwned.test(key))), ...s.env };
    const cli = await spawnNode(path.join(repoRoot, 'dist/cli/index.js'), env, workspace, ['--image', image, '--main', '.', '--builder', s.builder, '--no-push', '--go-version', goVersion]);
    expect(cli.exitCode).toBe(1);
    // The error is the last thing on stderr, as the action's is its one error annotation.
    expect(cli.stderr.trimEnd().endsWith(`error: ${expected!.trimEnd()}`)).toBe(true);
  }, 300_000);
});
