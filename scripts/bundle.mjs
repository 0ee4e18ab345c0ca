#!/usr/bin/env node
// Bundles each entry of src/entry/ into dist/<name>/index.js with ncc.
// With --check, bundles into a temporary folder and fails when dist/ differs from it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const check = process.argv.includes('--check');
const entries = readdirSync(path.join(root, 'src/entry')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, ''));
const outRoot = check ? mkdtempSync(path.join(os.tmpdir(), 'gsi-dist-')) : path.join(root, 'dist');
const ncc = path.join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js');

/**
 * licenses.txt of one bundle, in ncc's format, from the source maps of every file it wrote: ncc's
 * own --license lists only the modules of the main chunk, not of the chunks that dynamic imports
 * split off (@actions/cache, Octokit), whose code ships just the same.
 */
function writeLicenses(out) {
  const packages = new Map();
  for (const map of readdirSync(out).filter((f) => f.endsWith('.js.map'))) {
    for (const source of JSON.parse(readFileSync(path.join(out, map), 'utf8')).sources) {
      const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(source.replace(/^(\.\.?\/)+/, ''));
      if (match) packages.set(match[1], path.join(root, match[1]));
    }
  }
  const entries = [];
  for (const dir of packages.values()) {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    entries.push({ name: manifest.name, license: manifest.license ?? '', text: file ? readFileSync(path.join(dir, file), 'utf8').trim() : '' });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const unique = entries.filter((e, i) => i === 0 || e.name !== entries[i - 1].name || e.text !== entries[i - 1].text);
  writeFileSync(path.join(out, 'licenses.txt'), unique.map((e) => `${e.name}\n${e.license}\n${e.text}\n`).join('\n'));
}

for (const entry of entries) {
  const out = path.join(outRoot, entry);
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [ncc, 'build', `src/entry/${entry}.ts`, '-o', out, '--source-map', '--quiet'], {
    cwd: root,
    stdio: 'inherit',
  });
  writeLicenses(out);
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
