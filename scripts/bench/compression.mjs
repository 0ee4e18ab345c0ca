#!/usr/bin/env node
// Layer compression, measured in one run: pako -9 (the old encoder), GNU `gzip -9 -n`, and the
// action's libdeflate-in-wasm encoder (src/image/gzip.ts) at the given levels on 1 and 2 threads,
// on the tar of each binary given (a one-file layer like the action's).
//
//   node scripts/bench/compression.mjs [--levels 10,12] [--threads 1,2] [--reps 1] BINARY...
//
// The encoder is bundled with ncc first, as the action is, so this also runs its worker threads
// from a one-file bundle. Times are wall-clock milliseconds (median of --reps); the machine's
// other load counts, so compare rows of the same run only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import pako from 'pako';
import { actionEncoder, layerTar } from './encoder.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const levels = option('--levels', '10,12').split(',').map(Number);
const threads = option('--threads', '1,2').split(',').map(Number);
const reps = Number(option('--reps', '1'));
if (args.length === 0) {
  console.error('usage: node scripts/bench/compression.mjs [--levels 10,12] [--threads 1,2] [--reps 1] BINARY...');
  process.exit(2);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'gsi-bench-gzip-'));
const encoder = await actionEncoder();
const { gzip } = encoder;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/** Wall and CPU milliseconds (CPU of this process, worker threads included; a child's is not counted). */
async function timed(run) {
  const times = [];
  const cpus = [];
  let out;
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    out = await run();
    const used = process.cpuUsage(cpu);
    times.push(performance.now() - start);
    cpus.push((used.user + used.system) / 1000);
  }
  return { ms: median(times), cpu: median(cpus), size: out.length, out };
}

const rows = [];
for (const binary of args) {
  const name = path.basename(binary);
  const tarFile = path.join(tmp, `${name}.tar`);
  const tar = await layerTar(binary, tarFile);
  const mb = tar.length / 1e6;
  const gnu = await timed(() => execFileSync('gzip', ['-9', '-n', '-c', tarFile], { maxBuffer: 1 << 30 }));
  const old = await timed(() => pako.gzip(tar, { level: 9 }));
  rows.push({ name, mb, encoder: 'GNU gzip -9 -n', ...gnu, cpu: undefined, gnu: gnu.size, pako: old.ms, pakoCpu: old.cpu });
  rows.push({ name, mb, encoder: 'pako -9', ...old, gnu: gnu.size, pako: old.ms, pakoCpu: old.cpu });
  for (const level of levels) {
    for (const n of threads) {
      const ours = await timed(() => gzip(tar, level, n));
      if (!gunzipSync(ours.out).equals(tar)) throw new Error(`${name}: level ${level} on ${n} threads does not round-trip`);
      rows.push({ name, mb, encoder: `libdeflate ${level}, ${n} thread${n > 1 ? 's' : ''}`, ...ours, gnu: gnu.size, pako: old.ms, pakoCpu: old.cpu });
    }
  }
}
rmSync(tmp, { recursive: true, force: true });
await encoder.dispose();

console.log(`${os.cpus().length} CPUs, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, median of ${reps}`);
console.log('| layer (tar) | encoder | bytes | vs gzip -9 -n | wall ms/MB | wall vs pako -9 | CPU ms/MB | CPU vs pako -9 |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const vsGnu = `${(((r.size - r.gnu) / r.gnu) * 100).toFixed(2)}%`;
  const cpu = r.cpu === undefined ? '| – | –' : `| ${(r.cpu / r.mb).toFixed(0)} | ${(r.cpu / r.pakoCpu).toFixed(2)}x`;
  console.log(`| ${r.name} (${r.mb.toFixed(1)} MB) | ${r.encoder} | ${r.size} | ${vsGnu} | ${(r.ms / r.mb).toFixed(0)} | ${(r.ms / r.pako).toFixed(2)}x ${cpu} |`);
}
