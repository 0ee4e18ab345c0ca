// Shared helpers of the benchmark: running commands with a clock, the local stack, the registry.
import { spawn, execFileSync } from 'node:child_process';
import { promises as fs, createWriteStream } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** The contender that is the action as a user runs it (no `engine` input: whatever `auto` picks). */
export const DEFAULT_CONTENDER = 'go-slim-image';
/** The one-line change may take at most this much more than `go build` plus the changed layer's compression (#22). */
export const CHANGE_TARGET_SECONDS = 0.3;

export function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

let logStream;
/** Every command's output goes to one log file, so a failure can be read in full afterwards. */
export function openLog(file) {
  logStream = createWriteStream(file, { flags: 'a' });
}

/**
 * Runs a command; resolves with its wall time in seconds and its output, or rejects with the
 * last lines of its stderr. The clock covers the process from spawn to exit.
 */
export function run(command, args, { cwd, env, input, quiet = true } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    logStream?.write(`\n$ ${command} ${args.join(' ')}${cwd ? `   (in ${cwd})` : ''}\n`);
    child.stdout.on('data', (d) => {
      out.push(d);
      logStream?.write(d);
      if (!quiet) process.stderr.write(d);
    });
    child.stderr.on('data', (d) => {
      err.push(d);
      logStream?.write(d);
      if (!quiet) process.stderr.write(d);
    });
    if (input !== undefined) child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0) return resolve({ seconds, stdout, stderr });
      const tail = (stderr || stdout).trim().split('\n').slice(-15).join('\n');
      reject(new Error(`${path.basename(command)} ${args.slice(0, 3).join(' ')} … exited with ${code}:\n${tail}`));
    });
  });
}

/** What `scripts/stack.sh env` prints, as an object. */
export function stackEnv() {
  const text = execFileSync('bash', [path.join(repoRoot, 'scripts/stack.sh'), 'env'], { encoding: 'utf8' });
  const vars = {};
  for (const match of text.matchAll(/^export (\w+)=(.*)$/gm)) vars[match[1]] = match[2];
  return {
    registry: vars.GSI_REGISTRY,
    builder: vars.GSI_BUILDER,
    buildkitAddr: vars.GSI_BUILDKIT_ADDR,
    stackDir: vars.GSI_STACK_DIR,
    toolsBin: vars.GSI_TOOLS_BIN,
  };
}

export function craneArgs(stack, ...args) {
  return [path.join(stack.toolsBin, 'crane'), [...args, '--insecure']];
}

export async function crane(stack, ...args) {
  const [cmd, argv] = craneArgs(stack, ...args);
  return (await run(cmd, argv)).stdout;
}

/**
 * Compressed size per platform of a pushed image: config + layers of each platform manifest
 * (attestation manifests, platform unknown/unknown, are left out).
 */
export async function imageSizes(stack, ref) {
  const top = JSON.parse(await crane(stack, 'manifest', ref));
  const sizeOf = (m) => m.config.size + m.layers.reduce((sum, l) => sum + l.size, 0);
  if (!top.manifests) {
    const config = JSON.parse(await crane(stack, 'config', ref));
    return { [platformName(config)]: sizeOf(top) };
  }
  const repo = ref.replace(/[:@][^/]*$/, '');
  const sizes = {};
  for (const entry of top.manifests) {
    const p = entry.platform;
    if (!p || p.os === 'unknown') continue;
    const manifest = JSON.parse(await crane(stack, 'manifest', `${repo}@${entry.digest}`));
    sizes[platformName(p)] = sizeOf(manifest);
  }
  return sizes;
}

function platformName(p) {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * The registry's view of one repository: every blob and manifest digest linked into it. Bytes
 * pushed by a step = the sizes of digests linked during the step (new blobs and manifests the
 * registry accepted into that repository). Read from the registry's storage folder.
 */
export async function repositoryDigests(stack, repository) {
  const base = path.join(stack.stackDir, 'registry-data/docker/registry/v2/repositories', repository);
  const digests = new Set();
  for (const sub of ['_layers/sha256', '_manifests/revisions/sha256']) {
    const entries = await fs.readdir(path.join(base, sub)).catch(() => []);
    for (const hex of entries) digests.add(hex);
  }
  return digests;
}

export async function blobSize(stack, hex) {
  const file = path.join(stack.stackDir, 'registry-data/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  return (await fs.stat(file).catch(() => ({ size: 0 }))).size;
}

/** Runs `step` and returns its result plus the bytes newly stored in the given repositories. */
export async function measurePush(stack, repositories, step) {
  const before = await Promise.all(repositories.map((r) => repositoryDigests(stack, r)));
  const result = await step();
  let pushed = 0;
  for (const [i, repository] of repositories.entries()) {
    const after = await repositoryDigests(stack, repository);
    for (const hex of after) if (!before[i].has(hex)) pushed += await blobSize(stack, hex);
  }
  return { ...result, pushed };
}

/** Drops all of BuildKit's local state: what a fresh runner's builder starts from. */
export async function pruneBuildkit(stack) {
  log('pruning BuildKit (buildctl prune --all): the next build starts from an empty builder');
  await run(path.join(stack.toolsBin, 'buildctl'), ['--addr', stack.buildkitAddr, 'prune', '--all']);
}

export async function rmrf(dir) {
  // The Go module cache is read-only on purpose; make it writable before removing it.
  await run('chmod', ['-R', 'u+w', dir]).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
}

export async function duBytes(dir) {
  const { stdout } = await run('du', ['-sb', dir]).catch(() => ({ stdout: '0' }));
  return Number(stdout.split(/\s/)[0]) || 0;
}

export function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}
