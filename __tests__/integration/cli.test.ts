import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot, spawnNode } from '../helpers/action.js';
import { crane, craneJson, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

const cliScript = path.join(repoRoot, 'dist/cli/index.js');
const HINT = "Run 'go-slim-image --help' for the options.";

interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The TMPDIR the process had, to check it left nothing behind. */
  tmpdir: string;
}

/** A developer's shell: no runner variables, the stack's tools on PATH, a TMPDIR of its own. */
async function runCli(s: Stack, args: string[], cwd: string): Promise<CliRun> {
  const runnerOwned = /^(INPUT_|GITHUB_|RUNNER_|STATE_|ACTIONS_)|^(NODE_OPTIONS|CI)$/;
  const tmpdir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-cli-tmp-'));
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !runnerOwned.test(key))), ...s.env, TMPDIR: tmpdir };
  return { ...(await spawnNode(cliScript, env, cwd, args)), tmpdir };
}

/** `name: value` lines of the CLI's stdout (single-line values). */
function printedOutputs(stdout: string): Record<string, string> {
  return Object.fromEntries([...stdout.matchAll(/^([a-z][a-z-]*):(?: +(.*))?$/gm)].map((m) => [m[1]!, m[2] ?? '']));
}

describe('the CLI run as a developer runs it', () => {
  let s: Stack;
  let workspace: string;
  let module: string;
  let image: string;

  beforeAll(async () => {
    // npm test checks dist/ is fresh before jest; a bare checkout gets it built here.
    if (!existsSync(cliScript)) execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
    s = stack();
    workspace = await helloWorkspace();
    module = path.join(workspace, 'examples/hello');
    image = uniqueRepository(s, 'hello-cli');
  }, 300_000);

  it('prints the usage with every action input on --help, and the version on --version', async () => {
    const help = await runCli(s, ['--help'], module);
    expect([help.exitCode, help.stderr]).toEqual([0, '']);
    const inputs = Object.keys((parse(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as { inputs: object }).inputs);
    for (const name of inputs) expect(help.stdout).toMatch(new RegExp(`^ {2}--(\\[no-\\])?${name}\\b`, 'm'));
    const version = await runCli(s, ['--version'], module);
    const { version: packageVersion } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect([version.exitCode, version.stdout]).toEqual([0, `go-slim-image ${packageVersion}\n`]);
  });

  it('exits 2 on an unknown flag, naming it, the closest flag and --help', async () => {
    const run = await runCli(s, ['--image', image, '--platfrom', 'linux/arm64'], module);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(`go-slim-image: Unknown option '--platfrom' (did you mean --platforms?).\n${HINT}\n`);
    expect(run.stdout).toBe('');
  });

  it.each([
    ['a value parseConfig refuses', ['--platforms', 'linux/amd65'], /^go-slim-image: Input 'platforms' has an invalid value "linux\/amd65": .*closest: linux\/amd64/],
    ['a switch value parseConfig refuses', ['--push=yes'], /^go-slim-image: Input 'push' has an invalid value "yes": expected true or false\.$/],
    ['a registry port out of range', ['--tags', '127.0.0.1:99999/app:v1'], /^go-slim-image: Input 'tags' has an invalid value "127\.0\.0\.1:99999\/app:v1": .*port 99999 is not a TCP port \(1-65535\)/],
    ['a single-value flag given twice', ['--image', 'b'], /^go-slim-image: Option '--image' is given again \(after --image\): --image takes one value; give it once\./],
  ])('exits 2 on %s, with the action message and the hint, before any work', async (_name, args, message) => {
    const run = await runCli(s, ['--image', image, ...args], module);
    expect(run.exitCode).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toBe(HINT);
    expect(run.stdout).toBe('');
  });

  it('exits 2 on a bad value found by the pipeline (a folder without go.mod)', async () => {
    const run = await runCli(s, ['--image', image, '--working-directory', 'examples', '--builder', s.builder], workspace);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/error: Input 'working-directory' has an invalid value "examples".*go\.mod/);
    expect(run.stderr).toContain(HINT);
    expect(run.stderr).not.toContain('Compiling');
  });

  it('exits 1 when the build cannot run, with the reason on stderr and nothing on stdout', async () => {
    const run = await runCli(s, ['--image', image, '--builder', 'gsi-no-such-builder'], module);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/==> Preparing the buildx builder: failed in \d+\.\ds\n/);
    expect(run.stderr).toContain('error: Cannot use builder "gsi-no-such-builder"');
    expect(run.stdout).toBe('');
  });

  describe('a real build of examples/hello into the local registry', () => {
    let first: CliRun;
    let outputs: Record<string, string>;

    beforeAll(async () => {
      first = await runCli(s, ['--image', image, '--builder', s.builder, '--ca-certificates', 'false', '--tags', 'cli'], module);
      outputs = printedOutputs(first.stdout);
    }, 300_000);

    it('exits 0 and prints the outputs as name: value', () => {
      expect(first.exitCode).toBe(0);
      expect(outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(outputs['image-ref']).toBe(`${image}@${outputs.digest}`);
      expect(outputs.tags).toBe(`${image}:cli`);
      expect(outputs['go-version']).toMatch(/^1\.\d+/);
      expect(Number(outputs.size)).toBeGreaterThan(0);
      expect(JSON.parse(outputs.sizes!)).toEqual([expect.objectContaining({ platform: 'linux/amd64', compressed: Number(outputs.size) })]);
    });

    it('prints the size report on stdout, and only results there', () => {
      expect(first.stdout).toContain('## go-slim-image');
      expect(first.stdout).toMatch(/^\| linux\/amd64 \| [\d.]+ (KiB|MiB) \|/m);
      expect(first.stdout).not.toMatch(/^size-report:/m);
      expect(first.stdout).not.toContain('::');
      expect(first.stdout).not.toContain('==>');
    });

    it('logs each long step on stderr as start and finish lines', () => {
      for (const step of ['Preparing the buildx builder', 'Setting up Go', 'Compiling . for linux/amd64', 'Building the image with buildx', 'Pushing the image']) {
        expect(first.stderr).toContain(`==> ${step}\n`);
        expect(first.stderr).toMatch(new RegExp(`==> ${step.replace(/[.]/g, '\\.')}: done in \\d+(\\.\\d)?s`));
      }
      expect(first.stderr).not.toContain('Restoring Go caches');
    });

    it('pushed the image crane reads under the printed tag and digest', () => {
      expect(crane(s, 'digest', `${image}:cli`).trim()).toBe(outputs.digest);
      const config = craneJson<{ config: { Entrypoint: string[] }; architecture: string }>(s, 'config', outputs['image-ref']!);
      expect(config.config.Entrypoint).toEqual(['/usr/local/bin/hello']);
      expect(config.architecture).toBe('amd64');
    });

    it('left nothing in the temporary folder', async () => {
      expect(await fs.readdir(first.tmpdir)).toEqual([]);
    });

    it('exits 1 on a failed size gate, after printing the outputs, with the reason as the last line', async () => {
      const run = await runCli(s, ['--image', image, '--builder', s.builder, '--ca-certificates', 'false', '--tags', 'cli', '--size-budget', '1kB'], module);
      expect(run.exitCode).toBe(1);
      expect(printedOutputs(run.stdout).digest).toBe(outputs.digest);
      expect(run.stderr.trimEnd().split('\n').filter((line) => line.startsWith('error: '))).toEqual([expect.stringMatching(/^error: Image size gate failed/)]);
      expect(run.stderr.slice(run.stderr.lastIndexOf('error: '))).not.toContain('==>');
    }, 300_000);

    it('with --json and a BuildKit endpoint prints one JSON object and removes the builder it created', async () => {
      const run = await runCli(s, ['--image', image, '--buildkit-endpoint', s.buildkitAddr, '--ca-certificates', 'false', '--tags', 'cli', '--json'], module);
      expect(run.exitCode).toBe(0);
      const json = JSON.parse(run.stdout) as Record<string, string>;
      expect(json).toMatchObject({ digest: outputs.digest, 'image-ref': outputs['image-ref'], tags: `${image}:cli` });
      expect(json['size-report']).toContain('| linux/amd64 |');
      expect(run.stderr).toContain('## go-slim-image');
      const created = /Removed the builder (go-slim-image-[0-9a-f]{8})/.exec(run.stderr)?.[1];
      expect(created).toBeDefined();
      expect(execFileSync('docker', ['buildx', 'ls'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).not.toContain(created);
      expect(await fs.readdir(run.tmpdir)).toEqual([]);
    }, 300_000);
  });
});
