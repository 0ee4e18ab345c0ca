import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/action.js';
import { crane, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/**
 * The CLI as a user installs it: `npm pack`, then `npm install -g` of the tarball into a prefix of
 * its own (offline: the bundle holds every dependency, so the package declares none), then the
 * installed `go-slim-image` run through its shebang by each supported Node: --version, and one
 * direct build of examples/hello into the local registry.
 */
const MAX_UNPACKED_BYTES = 10 * 1024 * 1024;
const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string; dependencies?: object };

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
  });
}

/** The Node binaries a user may have: the machine's 20 (GSI_NODE20 under scripts/test.sh), the pinned 22 and 24. */
function nodes(s: Stack): [string, string][] {
  return [
    ['20', process.env.GSI_NODE20 || execFileSync('bash', ['-c', 'command -v node'], { encoding: 'utf8' }).trim()],
    ['22', s.node22],
    ['24', s.node24],
  ];
}

/** A shell with only this Node first on PATH (so `#!/usr/bin/env node` finds it), no runner variables. */
function shellEnv(s: Stack, node: string, home: string): NodeJS.ProcessEnv {
  const runnerOwned = /^(INPUT_|GITHUB_|RUNNER_|STATE_|ACTIONS_|npm_|GSI_TEST_)|^(NODE_OPTIONS|CI)$/i;
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !runnerOwned.test(key)));
  return { ...inherited, PATH: `${path.dirname(node)}:${s.env.PATH}`, TMPDIR: home };
}

describe('the CLI installed from the npm package', () => {
  let s: Stack;
  let packed: Packed;
  let tarball: string;
  let scratch: string;
  const digests: Record<string, string> = {};

  beforeAll(async () => {
    // The package ships the bundle: build it when this checkout has none (npm test checks it is fresh).
    if (!existsSync(path.join(repoRoot, 'dist/cli/index.js'))) execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
    s = stack();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-package-'));
    const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    packed = (JSON.parse(out) as Packed[])[0]!;
    tarball = path.join(scratch, packed.filename);
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
    console.log(`npm pack: ${packed.filename}, ${mib(packed.size)} packed, ${mib(packed.unpackedSize)} unpacked, ${packed.files.length} files`);
  }, 300_000);

  afterAll(async () => {
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it('holds the CLI bundle, action.yml, README and LICENSE, no source maps, and stays small', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/cli/index.js', 'dist/cli/package.json', 'action.yml', 'README.md', 'LICENSE', 'package.json']));
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('dist/main/') || f.startsWith('__tests__/'))).toEqual([]);
    expect(packed.unpackedSize).toBeLessThan(MAX_UNPACKED_BYTES);
    // Nothing to fetch at install time: the bundle holds every dependency.
    expect(packageJson.dependencies).toBeUndefined();
  });

  describe.each([['20'], ['22'], ['24']])('on Node %s', (major) => {
    let node: string;
    let prefix: string;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      node = Object.fromEntries(nodes(s))[major]!;
      prefix = path.join(scratch, `node${major}`);
      const home = path.join(prefix, 'tmp');
      await fs.mkdir(home, { recursive: true });
      env = shellEnv(s, node, home);
      // Offline, and a registry address nothing listens on: the install may read nothing but the tarball.
      const install = await run('npm', ['install', '-g', tarball, '--prefix', prefix, '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--registry', 'http://127.0.0.1:9/'], env, scratch);
      expect([install.exitCode, install.stderr]).toEqual([0, expect.any(String)]);
    }, 300_000);

    it('runs the installed go-slim-image on this Node, printing the version', async () => {
      expect((await run('node', ['--version'], env, scratch)).stdout).toMatch(new RegExp(`^v${major}\\.`));
      const version = await run(path.join(prefix, 'bin/go-slim-image'), ['--version'], env, scratch);
      expect([version.exitCode, version.stdout, version.stderr]).toEqual([0, `go-slim-image ${packageJson.version}\n`, '']);
    });

    it('builds examples/hello with the direct engine and pushes it', async () => {
      const workspace = await helloWorkspace();
      const image = uniqueRepository(s, `hello-npm-node${major}`);
      const build = await run(path.join(prefix, 'bin/go-slim-image'), ['--image', image, '--engine', 'direct', '--tags', 'npm'], env, path.join(workspace, 'examples/hello'));
      expect([build.exitCode, build.stderr.split('\n').filter((l) => /error/i.test(l))]).toEqual([0, []]);
      expect(build.stderr).toContain('Engine: direct');
      const digest = /^digest: +(sha256:[0-9a-f]{64})$/m.exec(build.stdout)?.[1];
      expect(digest).toBeDefined();
      expect(crane(s, 'digest', `${image}:npm`).trim()).toBe(digest);
      digests[major] = digest!;
    }, 300_000);
  });

  it('gives one digest on every Node', () => {
    expect(Object.keys(digests)).toEqual(['20', '22', '24']);
    expect(new Set(Object.values(digests)).size).toBe(1);
  });
});
