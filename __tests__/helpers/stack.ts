import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './action.js';

/** What scripts/stack.sh env prints: where the local registry and builder are. */
export interface Stack {
  registry: string;
  builder: string;
  buildkitAddr: string;
  toolsBin: string;
  /** The pinned Node 24 that scripts/stack.sh installs. */
  node24: string;
  /** The pinned Node 22 that scripts/stack.sh installs (the installed-CLI test runs on it). */
  node22: string;
  env: NodeJS.ProcessEnv;
}

export function stack(): Stack {
  const text = execFileSync('bash', [path.join(repoRoot, 'scripts/stack.sh'), 'env'], { encoding: 'utf8' });
  const vars: Record<string, string> = {};
  for (const match of text.matchAll(/^export (\w+)=(.*)$/gm)) vars[match[1]!] = match[2]!;
  const toolsBin = vars.GSI_TOOLS_BIN!;
  return {
    registry: vars.GSI_REGISTRY!,
    builder: vars.GSI_BUILDER!,
    buildkitAddr: vars.GSI_BUILDKIT_ADDR!,
    toolsBin,
    node24: vars.GSI_NODE24!,
    node22: vars.GSI_NODE22!,
    env: { PATH: `${toolsBin}:${process.env.PATH}` },
  };
}

/** A repository name no other test uses. */
export function uniqueRepository(s: Stack, name: string): string {
  return `${s.registry}/it-${randomBytes(4).toString('hex')}/${name}`;
}

/** crane, an independent reader of what landed in the registry. */
export function crane(s: Stack, ...args: string[]): string {
  const result = spawnSync(path.join(s.toolsBin, 'crane'), [...args, '--insecure'], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`crane ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return result.stdout.toString('latin1');
}

export function craneJson<T>(s: Stack, ...args: string[]): T {
  return JSON.parse(crane(s, ...args)) as T;
}

/** Files (not folders) in the flattened filesystem of an image, via crane export. */
export function imageFiles(s: Stack, ref: string, platform?: string): { path: string; size: number; mode: string }[] {
  const dir = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim();
  const tarFile = path.join(dir, 'fs.tar');
  execFileSync(path.join(s.toolsBin, 'crane'), ['export', ...(platform ? ['--platform', platform] : []), ref, tarFile, '--insecure']);
  const listing = execFileSync('tar', ['-tvf', tarFile], { encoding: 'utf8' });
  execFileSync('rm', ['-rf', dir]);
  return listing
    .split('\n')
    .filter((line) => line.startsWith('-'))
    .map((line) => {
      const parts = line.trim().split(/\s+/);
      return { mode: parts[0]!, size: Number(parts[2]), path: parts.slice(5).join(' ') };
    });
}

/** One file's bytes from an image's flattened filesystem (crane export + tar). */
export function imageFile(s: Stack, ref: string, file: string, platform?: string): Buffer {
  const dir = spawnSync('mktemp', ['-d'], { encoding: 'utf8' }).stdout.trim();
  const tarFile = path.join(dir, 'fs.tar');
  execFileSync(path.join(s.toolsBin, 'crane'), ['export', ...(platform ? ['--platform', platform] : []), ref, tarFile, '--insecure']);
  const bytes = execFileSync('tar', ['-xOf', tarFile, file], { maxBuffer: 512 * 1024 * 1024 });
  execFileSync('rm', ['-rf', dir]);
  return bytes;
}

/** Drops BuildKit's local cache, so the next build can only hit the registry cache. */
export function pruneBuildkit(s: Stack): void {
  execFileSync(path.join(s.toolsBin, 'buildctl'), ['--addr', s.buildkitAddr, 'prune', '--all'], { stdio: 'ignore' });
}

/**
 * A workspace holding a copy of examples/hello as a git checkout with one commit at a fixed
 * time, the way actions/checkout leaves a repository.
 */
export async function helloWorkspace(commitTime = '2026-01-02T03:04:05Z'): Promise<string> {
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-ws-'));
  await fs.cp(path.join(repoRoot, 'examples/hello'), path.join(workspace, 'examples/hello'), { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: workspace,
      env: { ...process.env, GIT_AUTHOR_DATE: commitTime, GIT_COMMITTER_DATE: commitTime, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
      stdio: 'ignore',
    });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'hello');
  return workspace;
}
