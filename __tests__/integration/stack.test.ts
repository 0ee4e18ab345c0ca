import { describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/action.js';
import { stack } from '../helpers/stack.js';

/**
 * scripts/stack.sh up, run twice at once against the stack the suite already uses: both must
 * succeed and print the environment (a demo in one terminal, npm test in another). Nothing here
 * stops or restarts the shared stack: with everything running, `up` only checks and prints.
 */

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function finished(child: ChildProcessWithoutNullStreams): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const script = (name: string) => path.join(repoRoot, 'scripts', name);

/** Holds the stack's lock (as a running `up` does) until release() is called. */
async function holdLock(stateDir: string): Promise<{ release: () => Promise<void> }> {
  const holder = spawn('flock', [path.join(stateDir, 'stack.lock'), '-c', 'echo locked; read _'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const done = finished(holder);
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    holder.on('close', () => reject(new Error('flock exited before taking the lock')));
  });
  return {
    release: async () => {
      holder.stdin.end('\n');
      await done;
    },
  };
}

/** Resolves once `text` has appeared on the child's stderr. */
function stderrShows(child: ChildProcessWithoutNullStreams, text: string): Promise<void> {
  let seen = '';
  return new Promise((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    });
  });
}

describe('scripts/stack.sh up is safe to start twice at once', () => {
  const s = stack();
  // Where scripts/stack.sh keeps its state and lock (its default unless GSI_STACK_DIR says otherwise).
  const stateDir = process.env.GSI_STACK_DIR ?? '/tmp/go-slim-image-stack';
  const env = { ...process.env, GSI_STACK_DIR: stateDir };

  it('two concurrent ups both exit 0 and print the environment', async () => {
    const runs = await Promise.all([0, 1].map(() => finished(spawn('bash', [script('stack.sh'), 'up'], { env }))));
    for (const run of runs) {
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      expect(run.stdout).toContain(`export GSI_REGISTRY=${s.registry}`);
      expect(run.stdout).toContain(`export GSI_BUILDER=${s.builder}`);
      expect(run.stdout).toMatch(/^export GSI_NODE24=\S+\/bin\/node$/m);
    }
  }, 180_000);

  it('a second up waits for the lock, says so, then succeeds', async () => {
    const lock = await holdLock(stateDir);
    const second = spawn('bash', [script('stack.sh'), 'up'], { env });
    const waiting = stderrShows(second, 'waiting for another stack.sh up/down to finish');
    const result = finished(second);
    await waiting;
    await lock.release();
    const run = await result;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`export GSI_REGISTRY=${s.registry}`);
  }, 180_000);

  it('scripts/test.sh stops with the stack\'s own error when up fails, not on an unset variable', async () => {
    const lock = await holdLock(stateDir);
    try {
      // test.sh first runs ensure-deps, which must not reinstall node_modules under the running jest:
      // an npm that refuses makes a stale checkout fail here with a clear message instead.
      const bin = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-no-npm-'));
      await fs.writeFile(path.join(bin, 'npm'), '#!/bin/sh\necho "stack.test.ts: npm $* refused (node_modules is older than package-lock.json; run npm ci first)" >&2\nexit 1\n', { mode: 0o755 });
      // up gives up on the held lock after 1 s; --listTests keeps jest from running anything were it ever reached.
      const child = spawn('bash', [script('test.sh'), '--listTests'], { env: { ...env, PATH: `${bin}:${process.env.PATH ?? ''}`, GSI_STACK_LOCK_TIMEOUT: '1' } });
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      const run = await finished(child).finally(() => clearTimeout(timer));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('[stack] gave up waiting for');
      expect(run.stderr).toContain('scripts/stack.sh up failed (its error is above)');
      expect(run.stderr).not.toMatch(/unbound variable/);
      expect(run.stdout).not.toContain('== lint and typecheck');
    } finally {
      await lock.release();
    }
  }, 180_000);
});
