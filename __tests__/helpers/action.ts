import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pushEvent } from '../fixtures/push-event.js';

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** Runner-side files, to run the post step with the same state. */
  files: { dir: string; state: string };
}

/** Parses the `name<<delimiter` / `name=value` format of GITHUB_OUTPUT and GITHUB_STATE. */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i]!);
      values[name!] = body.join('\n');
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

/** The environment variable the runner sets for an input (spaces to _, upper case, hyphens kept). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * The node binary the bundles run on: GSI_TEST_NODE when set (scripts/test.sh points it at the
 * pinned Node 24, the runtime action.yml declares), else the one running jest.
 */
export function testNode(): string {
  return process.env.GSI_TEST_NODE || process.execPath;
}

/** Runs a node script as its own process and collects its exit code and output. */
export function spawnNode(
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  args: readonly string[] = [],
  node: string = testNode(),
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [script, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
  });
}

/** Environment variables a test run must not inherit from the developer's shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  const runnerOwned = /^(INPUT_|GITHUB_|RUNNER_|STATE_)|^NODE_OPTIONS$/;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !runnerOwned.test(key)));
}

/**
 * Runs a bundled step (main or post) the way the runner does: inputs as INPUT_*, command files
 * for outputs, state and summary, RUNNER_TEMP and RUNNER_TOOL_CACHE, the workspace as cwd.
 */
export async function runStep(
  step: 'main' | 'post',
  /** `node`: the binary that runs the bundle (default testNode()). */
  options: { workspace: string; inputs?: Record<string, string>; env?: NodeJS.ProcessEnv; previous?: ActionRun; node?: string },
): Promise<ActionRun> {
  const dir = options.previous?.files.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-runner-')));
  const files = {
    output: path.join(dir, `output-${step}`),
    summary: path.join(dir, `summary-${step}`),
    state: path.join(dir, 'state'),
    env: path.join(dir, `env-${step}`),
    path: path.join(dir, `path-${step}`),
  };
  const temp = path.join(dir, 'temp');
  const toolCache = path.join(dir, 'tool-cache');
  await fs.mkdir(temp, { recursive: true });
  await fs.mkdir(toolCache, { recursive: true });
  await fs.writeFile(files.output, '');
  await fs.writeFile(files.summary, '');
  await fs.writeFile(files.env, '');
  await fs.writeFile(files.path, '');
  if (!options.previous) await fs.writeFile(files.state, '');
  const state = options.previous?.state ?? {};
  // Like the runner: GITHUB_SHA is the checked-out commit, GITHUB_EVENT_PATH a push to main (tests override both for PRs and tags).
  let sha = '';
  try {
    sha = execFileSync('git', ['-C', options.workspace, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    sha = '';
  }
  const eventFile = path.join(dir, 'event-push.json');
  await fs.writeFile(eventFile, JSON.stringify(pushEvent({ ref: 'refs/heads/main', ...(sha ? { sha } : {}) })));

  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    RUNNER_TEMP: temp,
    RUNNER_TOOL_CACHE: toolCache,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    GITHUB_REPOSITORY: 'acme/hello',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_RUN_ID: '1000001',
    GITHUB_ACTOR: 'octocat',
    ...(sha ? { GITHUB_SHA: sha } : {}),
    ...Object.fromEntries(Object.entries(options.inputs ?? {}).map(([name, value]) => [inputVariable(name), value])),
    ...(step === 'post' ? Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])) : {}),
    ...options.env,
  };
  const script = path.join(repoRoot, 'dist', step, 'index.js');
  const result = await spawnNode(script, env, options.workspace, [], options.node);
  return {
    ...result,
    outputs: parseCommandFile(await fs.readFile(files.output, 'utf8')),
    state: { ...state, ...parseCommandFile(await fs.readFile(files.state, 'utf8')) },
    summary: await fs.readFile(files.summary, 'utf8'),
    files: { dir, state: files.state },
  };
}

/** The `::error::` annotations of a run, decoded. */
export function errorAnnotations(run: ActionRun): string[] {
  return run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::error'))
    .map((line) => line.replace(/^::error[^:]*::/, '').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'));
}

/** Empty Go caches at fixed paths under `root`, as a fresh runner has them (the Actions cache version hashes the paths). */
export async function emptyGoCaches(root: string): Promise<{ GOCACHE: string; GOMODCACHE: string }> {
  await fs.rm(root, { recursive: true, force: true });
  const caches = { GOCACHE: path.join(root, 'go-build'), GOMODCACHE: path.join(root, 'mod') };
  for (const dir of Object.values(caches)) await fs.mkdir(dir, { recursive: true });
  return caches;
}
