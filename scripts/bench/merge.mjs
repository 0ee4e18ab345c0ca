#!/usr/bin/env node
// Pools the repetitions of several benchmark runs into one result, for workloads too slow to
// repeat three times in one sitting (caddy takes about an hour per repetition on 2 cores).
// Usage: node scripts/bench/merge.mjs RUN.json RUN.json ... [--out DIR]
// Runs pool only when they measured the same code (go-slim-image revision) with the same tools,
// machine and scenarios; anything else would mix two experiments in one median.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './lib.mjs';
import { renderMarkdown, summarize } from './report.mjs';

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** One result whose runs are the union of the inputs', repetitions renumbered per workload in input order. */
export function poolResults(results) {
  if (results.length === 0) throw new Error('merge: give at least one bench/results/*.json');
  const [first] = results;
  for (const r of results.slice(1)) {
    for (const field of ['versions', 'machine']) {
      if (!same(r[field], first[field])) {
        throw new Error(`merge: runs of ${first.date} and ${r.date} differ in ${field} (${JSON.stringify(first[field])} vs ${JSON.stringify(r[field])}); only runs of the same code, tools and machine pool`);
      }
    }
    if (!same(r.options.scenarios, first.options.scenarios)) {
      throw new Error(`merge: runs of ${first.date} and ${r.date} measured different scenarios (${first.options.scenarios} vs ${r.options.scenarios})`);
    }
  }
  const reps = {};
  const runs = [];
  for (const result of results) {
    const offset = { ...reps };
    for (const run of result.runs) {
      const rep = (offset[run.workload] ?? 0) + run.rep;
      runs.push({ ...run, rep, date: result.date });
      reps[run.workload] = Math.max(reps[run.workload] ?? 0, rep);
    }
  }
  const pooled = {
    date: results.map((r) => r.date).sort()[0],
    durationSeconds: results.reduce((sum, r) => sum + r.durationSeconds, 0),
    complete: results.every((r) => r.complete !== false),
    command: results.map((r) => r.command).join(', then '),
    pooledFrom: results.map((r) => ({ date: r.date, command: r.command, durationSeconds: r.durationSeconds, reps: r.options.reps })),
    machine: first.machine,
    versions: first.versions,
    options: { ...first.options, workloads: Object.keys(reps), reps },
    bases: first.bases,
    workloads: Object.assign({}, ...results.map((r) => r.workloads)),
    contenders: first.contenders,
    restoredGoCacheBytes: Object.assign({}, ...[...results].reverse().map((r) => r.restoredGoCacheBytes)),
    runs,
  };
  pooled.summary = summarize(pooled);
  return pooled;
}

async function main() {
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { out: { type: 'string' } } });
  const results = await Promise.all(positionals.map(async (file) => JSON.parse(await fs.readFile(file, 'utf8'))));
  const pooled = poolResults(results);
  const out = path.resolve(values.out ?? path.join(repoRoot, 'bench/results'));
  const base = path.join(out, `bench-${pooled.date.replace(/[:]/g, '').replace(/\..*/, '')}-pooled`);
  await fs.mkdir(out, { recursive: true });
  await fs.writeFile(`${base}.json`, `${JSON.stringify(pooled, null, 2)}\n`);
  await fs.writeFile(`${base}.md`, renderMarkdown(pooled));
  process.stdout.write(`${base}.json\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  main().catch((error) => {
    process.stderr.write(`${error.message ?? error}\n`);
    process.exit(1);
  });
}
