#!/usr/bin/env node
// Where one rebuild's time goes: the bundled action on a workload's one-line change (fresh runner:
// BuildKit pruned, the Go caches of a cold build restored), every log line stamped with the
// seconds since the step started, then the job summary's phase table.
// Usage: node scripts/bench/phases.mjs [--workload node_exporter] [--engine buildx|direct|default] [--scenario change|nochange]
//          [--root DIR]   (an action checkout with action.yml and dist/: e.g. an older commit
//                          unpacked by `git archive <rev> action.yml dist | tar -x -C DIR`)
// Needs the stack (eval "$(bash scripts/stack.sh up)").
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { actionStep } from './contenders.mjs';
import { pruneBuildkit, repoRoot, rmrf, run, stackEnv } from './lib.mjs';
import { fetchSource, makeWorkspace, oneLineChange, workloads } from './workloads.mjs';

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: 'node_exporter' },
    // default: the engine input left unset, as the benchmark's default contender runs the action.
    engine: { type: 'string', default: 'buildx' },
    root: { type: 'string', default: repoRoot },
    // change: one-line change on a fresh runner (BuildKit pruned); nochange: the same build again at once.
    scenario: { type: 'string', default: 'change' },
  },
});
const root = path.resolve(values.root);
const stack = stackEnv();
const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-phases-'));
const w = workloads[values.workload];
const ctx = {
  stack,
  workload: values.workload,
  scratch,
  main: w.main,
  platforms: ['linux/amd64'],
  repo: `${stack.registry}/phases-${Date.now()}/${values.workload}`,
  goVersion: (await run('go', ['env', 'GOVERSION'])).stdout.trim().replace(/^go/, ''),
  workspace: await makeWorkspace(await fetchSource(values.workload), path.join(scratch, 'ws')),
  caches: { gocache: path.join(scratch, 'gocache'), gomodcache: path.join(scratch, 'gomodcache') },
};

/** One step of the action; prints each output line with the seconds since spawn when `stamped`. */
async function step(stamped) {
  const { env, files, entry } = await actionStep(ctx, values.engine === 'default' ? undefined : values.engine, root);
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [entry], { cwd: ctx.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stamp = () => (Number(process.hrtime.bigint() - started) / 1e9).toFixed(2).padStart(6);
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      if (stamped) process.stdout.write(`${stamp()} ${line}\n`);
    });
  }
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (stamped) process.stdout.write(`${stamp()} (exit ${code})\n`);
  if (code !== 0) throw new Error(`the action exited with ${code}`);
  return fs.readFile(files.summary, 'utf8');
}

console.error(`[phases] cold build of ${values.workload} with ${root} (${values.engine}), not shown`);
if (values.engine !== 'direct') await pruneBuildkit(stack);
await step(false);
if (values.scenario === 'change') {
  await oneLineChange(ctx.workspace, values.workload, 1);
  if (values.engine !== 'direct') await pruneBuildkit(stack);
}
console.error(values.scenario === 'change' ? '[phases] one-line change, fresh runner:' : '[phases] no-change rebuild:');
const summary = await step(true);
const phases = summary.split('\n').filter((line) => /^Time:/.test(line));
if (phases.length) console.log(`\nsummary:\n${phases.join('\n')}`);
await rmrf(scratch);
