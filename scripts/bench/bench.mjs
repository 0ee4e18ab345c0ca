#!/usr/bin/env node
// go-slim-image against the alternatives, side by side in one run, on the local stack.
// Usage: node scripts/bench/bench.mjs [--reps N | --reps hello=3,node_exporter=1] [--workloads a,b]
//          [--scenarios cold,nochange,change,multi] [--smoke] [--out DIR]
// Needs the stack (scripts/stack.sh up); scripts/bench/run.sh starts it and then runs this.
// This run prunes BuildKit's local state before every cold and every fresh-runner build (announced
// in the log): do not run it while other builds rely on the local builder's cache.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { contenders as defaultContenders, extraContenders, floor, layerCacheContenders } from './contenders.mjs';
import { baseImages } from './bases.mjs';
import { imageSizes, log, measurePush, openLog, pruneBuildkit, repoRoot, rmrf, run, stackEnv, duBytes } from './lib.mjs';
import { actionEncoder } from './encoder.mjs';
import { renderMarkdown, summarize } from './report.mjs';
import { defaultWorkloads, fetchSource, makeWorkspace, oneLineChange, workloads } from './workloads.mjs';

export const KO_VERSION = 'v0.19.1';
const ALL_SCENARIOS = ['cold', 'nochange', 'change', 'multi'];
const MULTI = ['linux/amd64', 'linux/arm64'];

function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      reps: { type: 'string' },
      workloads: { type: 'string' },
      scenarios: { type: 'string' },
      contenders: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench -- [--reps 3 | --reps hello=3,node_exporter=1] [--workloads hello,node_exporter,caddy] [--scenarios cold,nochange,change,multi] [--contenders default|layer-cache|id,id] [--smoke] [--out DIR]');
    process.exit(0);
  }
  const ids = (values.workloads ?? (values.smoke ? 'hello' : defaultWorkloads.join(','))).split(',').filter(Boolean);
  for (const id of ids) if (!workloads[id]) throw new Error(`--workloads: unknown workload "${id}"; known: ${Object.keys(workloads).join(', ')}`);
  const scenarios = (values.scenarios ?? (values.smoke ? 'cold,change' : ALL_SCENARIOS.join(','))).split(',').filter(Boolean);
  for (const s of scenarios) if (!ALL_SCENARIOS.includes(s)) throw new Error(`--scenarios: unknown scenario "${s}"; known: ${ALL_SCENARIOS.join(', ')}`);
  // --reps 3, or per workload: --reps hello=3,node_exporter=1 (a workload not named gets 3, or *=N).
  const reps = {};
  const spec = values.reps ?? (values.smoke ? '1' : '3');
  const parts = spec.split(',');
  const fallback = Number(parts.find((p) => !p.includes('=') || p.startsWith('*='))?.replace('*=', '') ?? 3);
  for (const id of ids) reps[id] = fallback;
  for (const p of parts.filter((x) => x.includes('=') && !x.startsWith('*='))) {
    const [id, n] = p.split('=');
    if (!workloads[id]) throw new Error(`--reps: unknown workload "${id}"`);
    reps[id] = Number(n);
  }
  for (const [id, n] of Object.entries(reps)) if (!Number.isInteger(n) || n < 1) throw new Error(`--reps: "${spec}" gives ${id} ${n} repetitions; expected a whole number ≥ 1`);
  // A set by name, or contender ids from either set (a run short of time can skip what did not change).
  const sets = { default: defaultContenders, 'layer-cache': layerCacheContenders };
  const known = [...defaultContenders, ...extraContenders, ...layerCacheContenders];
  const chosen = values.contenders ?? 'default';
  const contenders = sets[chosen] ?? chosen.split(',').map((id) => known.find((c) => c.id === id) ?? id);
  const unknown = contenders.filter((c) => typeof c === 'string');
  if (unknown.length > 0) throw new Error(`--contenders: unknown "${unknown.join(', ')}"; known: ${Object.keys(sets).join(', ')} or ids ${known.map((c) => c.id).join(', ')}`);
  return { workloads: ids, scenarios, reps, contenders, smoke: values.smoke, out: path.resolve(values.out ?? path.join(repoRoot, 'bench/results')) };
}

async function ensureKo(stack) {
  const ko = path.join(stack.toolsBin, 'ko');
  const stamp = path.join(stack.toolsBin, '.ko.version');
  if ((await fs.readFile(stamp, 'utf8').catch(() => '')).trim() === KO_VERSION) return;
  log(`go install github.com/google/ko@${KO_VERSION}`);
  await run('go', ['install', `github.com/google/ko@${KO_VERSION}`], { env: { ...process.env, GOBIN: stack.toolsBin, GOFLAGS: '-trimpath' } });
  await fs.access(ko);
  await fs.writeFile(stamp, `${KO_VERSION}\n`);
}

async function versions(stack) {
  const text = async (cmd, args) => (await run(cmd, args).catch(() => ({ stdout: '?' }))).stdout.trim();
  const stamp = async (tool) => (await fs.readFile(path.join(stack.toolsBin, `.${tool}.version`), 'utf8').catch(() => '?')).trim();
  const pkg = JSON.parse(await fs.readFile(path.join(repoRoot, 'package.json'), 'utf8'));
  // The last commit that changed what runs (the bundle and action.yml), so runs of the same code can be pooled.
  const rev = await text('git', ['-C', repoRoot, 'log', '-1', '--format=%h', '--', 'dist', 'action.yml']);
  const dirty = (await text('git', ['-C', repoRoot, 'status', '--porcelain', '--', 'dist', 'action.yml'])) ? ' + uncommitted changes' : '';
  return {
    goSlimImage: `${pkg.version} (${rev}${dirty})`,
    go: (await text('go', ['env', 'GOVERSION'])),
    buildx: (await stamp('buildx')).split(' ')[0], // the stamp also records the ldflags it was built with
    buildkit: await stamp('buildkitd'), // built from the module proxy by scripts/stack.sh: the binary reports v0.0.0+unknown
    ko: (await text(path.join(stack.toolsBin, 'ko'), ['version'])) || KO_VERSION,
    crane: await stamp('crane'),
    docker: (await text('docker', ['--version'])).replace(/^Docker version /, '').replace(/,.*/, ''),
    node: process.version,
  };
}

function machine() {
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? '?',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

async function main() {
  const opts = options(process.argv.slice(2));
  const stack = stackEnv();
  const started = new Date();
  const stampName = started.toISOString().replace(/[:]/g, '').replace(/\..*/, '');
  const runId = stampName.toLowerCase().replace(/[^a-z0-9]/g, '');
  const scratchRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-bench-'));
  await fs.mkdir(opts.out, { recursive: true });
  const logFile = path.join(scratchRoot, 'bench.log');
  openLog(logFile);
  log(`log of every command: ${logFile}`);
  log(`workloads ${opts.workloads.join(', ')}; scenarios ${opts.scenarios.join(', ')}; reps ${JSON.stringify(opts.reps)}`);

  await fs.access(path.join(repoRoot, 'dist/main/index.js')).catch(() => {
    throw new Error('dist/main/index.js is missing: run `npm run build` first');
  });
  await ensureKo(stack);
  // The action's encoder, bundled once before the clock starts (the floor times compression with it).
  const encoder = await actionEncoder();
  const bases = await baseImages(stack);
  const goVersion = (await run('go', ['env', 'GOVERSION'])).stdout.trim().replace(/^go/, '');
  const runs = [];
  const cacheBytes = {};

  /** One build by one contender; records time, pushed bytes and sizes (or the error). */
  async function measure(c, ctx, scenario, rep) {
    const record = { workload: ctx.workload, contender: c.id, scenario, rep, platforms: ctx.platforms };
    const reason = c.unsupported(ctx.platforms);
    if (reason) return runs.push({ ...record, skipped: reason });
    try {
      if (c === floor) {
        Object.assign(record, await c.build(ctx));
      } else {
        const r = await measurePush(stack, [ctx.repoPath], () => c.build(ctx));
        record.seconds = r.seconds;
        record.pushed = r.pushed;
        record.sizes = await imageSizes(stack, r.ref);
        if (r.engine) record.engine = r.engine;
      }
      const parts = [record.engine && `engine ${record.engine}`, record.compressSeconds !== undefined && `compression alone ${record.compressSeconds.toFixed(2)} s`].filter(Boolean);
      log(`${ctx.workload} · ${c.id} · ${scenario} #${rep}: ${record.seconds.toFixed(1)} s${parts.length ? ` (${parts.join(', ')})` : ''}, sizes ${JSON.stringify(record.sizes)}, pushed ${record.pushed ?? '-'} B`);
    } catch (error) {
      record.error = String(error.message ?? error).slice(0, 2000);
      log(`${ctx.workload} · ${c.id} · ${scenario} #${rep} FAILED: ${record.error}`);
    }
    runs.push(record);
    return record;
  }

  const base = path.join(opts.out, `bench-${stampName}${opts.smoke ? '-smoke' : ''}`);
  const benchVersions = await versions(stack);
  /** Writes what has been measured so far (after every repetition), so a stopped run keeps its finished repetitions. */
  async function writeResult(complete) {
    const argv = process.argv.slice(2);
    const done = Object.fromEntries(opts.workloads.map((id) => [id, new Set(runs.filter((r) => r.workload === id).map((r) => r.rep)).size]));
    const result = {
      date: started.toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      complete,
      command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
      machine: machine(),
      versions: benchVersions,
      options: { workloads: opts.workloads, scenarios: opts.scenarios, reps: complete ? opts.reps : done, smoke: opts.smoke, contenders: Object.keys(Object.fromEntries(opts.contenders.map((c) => [c.id, 1]))) },
      bases,
      workloads: Object.fromEntries(opts.workloads.filter((id) => done[id] > 0).map((id) => [id, workloads[id]])),
      contenders: Object.fromEntries([floor, ...opts.contenders].map((c) => [c.id, c.label])),
      restoredGoCacheBytes: cacheBytes,
      runs,
    };
    result.summary = summarize(result);
    await fs.writeFile(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
    await fs.writeFile(`${base}.md`, renderMarkdown(result));
    return result;
  }

  for (const workload of opts.workloads) {
    const w = workloads[workload];
    log(`== ${workload}: ${w.label}`);
    const source = await fetchSource(workload);
    for (let rep = 1; rep <= opts.reps[workload]; rep++) {
      for (const c of [floor, ...opts.contenders]) {
        const chain = opts.scenarios.filter((s) => s !== 'multi');
        if (chain.length === 0) break;
        const scratch = path.join(scratchRoot, `${workload}-${c.id}-r${rep}`);
        await fs.mkdir(scratch, { recursive: true });
        const repoPath = `bench-${runId}/${workload}/${c.id}-r${rep}`;
        const ctx = {
          stack, bases, goVersion, workload, scratch, main: w.main, platforms: ['linux/amd64'], repoPath,
          repo: `${stack.registry}/${repoPath}`,
          workspace: await makeWorkspace(source, path.join(scratch, 'ws')),
          caches: { gocache: path.join(scratch, 'gocache'), gomodcache: path.join(scratch, 'gomodcache') },
        };
        // cold: empty builder, empty Go caches, empty cache ref (a new repository).
        if (c !== floor) await pruneBuildkit(stack);
        await measure(c, ctx, 'cold', rep);
        if (chain.includes('nochange')) await measure(c, ctx, 'nochange', rep);
        if (chain.includes('change')) {
          // A fresh runner after a one-line commit: BuildKit starts empty (registry cache only);
          // the runner-side Go caches are the ones the cold build left, as restored by a cache step.
          const restored = (await duBytes(ctx.caches.gocache)) + (await duBytes(ctx.caches.gomodcache));
          if (restored > 0) cacheBytes[`${workload}/${c.id}`] ??= restored;
          await oneLineChange(ctx.workspace, workload, rep);
          if (c !== floor) await pruneBuildkit(stack);
          await measure(c, ctx, 'change', rep);
        }
        await rmrf(scratch);
      }
      if (opts.scenarios.includes('multi')) {
        for (const c of [floor, ...opts.contenders]) {
          const scratch = path.join(scratchRoot, `${workload}-${c.id}-multi-r${rep}`);
          await fs.mkdir(scratch, { recursive: true });
          const repoPath = `bench-${runId}/${workload}/${c.id}-multi-r${rep}`;
          const ctx = {
            stack, bases, goVersion, workload, scratch, main: w.main, platforms: MULTI, repoPath,
            repo: `${stack.registry}/${repoPath}`,
            workspace: await makeWorkspace(source, path.join(scratch, 'ws')),
            caches: { gocache: path.join(scratch, 'gocache'), gomodcache: path.join(scratch, 'gomodcache') },
          };
          if (c !== floor && !c.unsupported(MULTI)) await pruneBuildkit(stack);
          await measure(c, ctx, 'multi', rep);
          await rmrf(scratch);
        }
      }
      await writeResult(false);
      log(`${workload}: repetition ${rep} of ${opts.reps[workload]} done; results so far in ${base}.json`);
    }
  }

  const result = await writeResult(true);
  await encoder.dispose();
  log(`wrote ${base}.md and ${base}.json (${result.durationSeconds} s); command log: ${logFile}`);
  process.stdout.write(`${base}.json\n`);
  if (runs.some((r) => r.error)) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`[bench] ${error.stack ?? error}\n`);
  process.exit(1);
});
