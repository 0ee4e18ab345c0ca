#!/usr/bin/env node
// Layer compression, measured in one run: pako -9 (the old encoder), GNU `gzip -9 -n`, and the
// action's encoders (src/image/encoder.ts): libdeflate gzip and zstd, both wasm, at the given
// levels and thread counts, on the tar of each binary given (a one-file layer like the action's).
// Each output is also decompressed once with the native `gzip -dc` / `zstd -dc` (what a pull
// costs, roughly: containerd and Docker use Go decoders).
//
//   node scripts/bench/compression.mjs [--gzip-levels 10,12] [--zstd-levels 3,9,15,19] [--threads 1,2] [--reps 1] BINARY...
//
// The encoder is bundled with ncc first, as the action is, so this also runs its worker threads
// from a one-file bundle. Times are wall-clock milliseconds (median of --reps); the machine's
// other load counts, so compare rows of the same run only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pako from 'pako';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const list = (value) => (value === '' ? [] : value.split(',').map(Number));
const gzipLevels = list(option('--gzip-levels', option('--levels', '10,12')));
const zstdLevels = list(option('--zstd-levels', '3,9,15,19'));
const threads = option('--threads', '1,2').split(',').map(Number);
const reps = Number(option('--reps', '1'));
if (args.length === 0) {
  console.error('usage: node scripts/bench/compression.mjs [--gzip-levels 10,12] [--zstd-levels 3,9,15,19] [--threads 1,2] [--reps 1] BINARY...');
  process.exit(2);
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'gsi-bench-gzip-'));
execFileSync(process.execPath, [path.join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'), 'build', 'src/image/encoder.ts', '-o', tmp, '--quiet'], { cwd: root, stdio: 'inherit' });
const { encodeLayer, decodeLayerSync } = await import(pathToFileURL(path.join(tmp, 'index.js')).href);

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

/** Milliseconds the native command takes to decompress `data` (and a check that it gives `tar` back). */
function nativeDecode(command, data, tar) {
  const start = performance.now();
  const out = execFileSync(command, ['-dc'], { input: data, maxBuffer: 1 << 30 });
  const ms = performance.now() - start;
  if (!out.equals(tar)) throw new Error(`${command} -dc does not give the tar back`);
  return ms;
}

const rows = [];
for (const binary of args) {
  const name = path.basename(binary);
  const tarFile = path.join(tmp, `${name}.tar`);
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', tarFile, '-C', path.dirname(path.resolve(binary)), name]);
  const tar = readFileSync(tarFile);
  const mb = tar.length / 1e6;
  const gnu = await timed(() => execFileSync('gzip', ['-9', '-n', '-c', tarFile], { maxBuffer: 1 << 30 }));
  const old = await timed(() => pako.gzip(tar, { level: 9 }));
  const base = { name, mb, gnu: gnu.size, pako: old.ms, pakoCpu: old.cpu };
  rows.push({ ...base, encoder: 'GNU gzip -9 -n', ...gnu, cpu: undefined, decode: nativeDecode('gzip', gnu.out, tar) });
  rows.push({ ...base, encoder: 'pako -9', ...old, decode: nativeDecode('gzip', old.out, tar) });
  for (const [algorithm, levels, label] of [['gzip', gzipLevels, 'libdeflate gzip'], ['zstd', zstdLevels, 'zstd']]) {
    for (const level of levels) {
      for (const n of threads) {
        const ours = await timed(() => encodeLayer({ algorithm, level }, tar, n));
        if (!decodeLayerSync(algorithm, ours.out).equals(tar)) throw new Error(`${name}: ${algorithm} level ${level} on ${n} threads does not round-trip`);
        const decode = nativeDecode(algorithm, ours.out, tar);
        rows.push({ ...base, encoder: `${label} ${level}, ${n} thread${n > 1 ? 's' : ''}`, ...ours, decode, reference: algorithm === 'gzip' && level === 10 });
      }
    }
  }
}
rmSync(tmp, { recursive: true, force: true });

console.log(`${os.cpus().length} CPUs, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, median of ${reps}`);
console.log('| layer (tar) | encoder | bytes | vs gzip -9 -n | vs libdeflate 10 | wall ms/MB | wall vs pako -9 | CPU ms/MB | CPU vs pako -9 | native decode ms/MB |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const percent = (size, of) => `${(((size - of) / of) * 100).toFixed(2)}%`;
  const reference = rows.find((x) => x.name === r.name && x.reference);
  const cpu = r.cpu === undefined ? '| – | –' : `| ${(r.cpu / r.mb).toFixed(0)} | ${(r.cpu / r.pakoCpu).toFixed(2)}x`;
  const vsReference = reference ? percent(r.size, reference.size) : '–';
  console.log(`| ${r.name} (${r.mb.toFixed(1)} MB) | ${r.encoder} | ${r.size} | ${percent(r.size, r.gnu)} | ${vsReference} | ${(r.ms / r.mb).toFixed(0)} | ${(r.ms / r.pako).toFixed(2)}x ${cpu} | ${(r.decode / r.mb).toFixed(1)} |`);
}
