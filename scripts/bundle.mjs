#!/usr/bin/env node
// Bundles each entry of src/entry/ into dist/<name>/index.js with ncc.
// With --check, bundles into a temporary folder and fails when dist/ differs from it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const check = process.argv.includes('--check');
const entries = readdirSync(path.join(root, 'src/entry')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
const outRoot = check ? mkdtempSync(path.join(os.tmpdir(), 'gsi-dist-')) : path.join(root, 'dist');
const ncc = path.join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js');

for (const entry of entries) {
  const out = path.join(outRoot, entry);
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [ncc, 'build', `src/entry/${entry}.ts`, '-o', out, '--source-map', '--license', 'licenses.txt', '--quiet'], {
    cwd: root,
    stdio: 'inherit',
  });
}

if (check) {
  const differences = [];
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  const fresh = walk(outRoot).map((f) => path.relative(outRoot, f));
  const committed = existsSync(path.join(root, 'dist')) ? walk(path.join(root, 'dist')).map((f) => path.relative(path.join(root, 'dist'), f)) : [];
  for (const file of new Set([...fresh, ...committed])) {
    const a = path.join(outRoot, file);
    const b = path.join(root, 'dist', file);
    if (!existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b))) differences.push(file);
  }
  rmSync(outRoot, { recursive: true, force: true });
  if (differences.length > 0) {
    console.error(`dist/ does not match a fresh bundle of src/ (${differences.join(', ')}): run npm run build and commit dist/.`);
    process.exit(1);
  }
  console.log('dist/ matches a fresh bundle of src/.');
}
