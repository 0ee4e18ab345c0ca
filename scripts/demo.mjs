// Runs dist/main/index.js on examples/hello the way the Actions runner runs a step:
// INPUT_* variables and the GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_STATE command files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const runner = mkdtempSync(path.join(os.tmpdir(), 'gsi-demo-'));
const files = Object.fromEntries(['output', 'summary', 'state'].map((name) => [name, path.join(runner, name)]));
for (const file of Object.values(files)) writeFileSync(file, '');
mkdirSync(path.join(runner, 'temp'));
mkdirSync(path.join(runner, 'tool-cache'));

const image = `${process.env.GSI_REGISTRY}/demo/hello`;
const result = spawnSync(process.execPath, [path.join(root, 'dist/main/index.js')], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...process.env,
    GITHUB_WORKSPACE: root,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    RUNNER_TEMP: path.join(runner, 'temp'),
    RUNNER_TOOL_CACHE: path.join(runner, 'tool-cache'),
    INPUT_IMAGE: image,
    'INPUT_WORKING-DIRECTORY': 'examples/hello',
    INPUT_BUILDER: process.env.GSI_BUILDER,
    INPUT_EXPOSE: '8080',
  },
});
if (result.status !== 0) process.exit(result.status ?? 1);

const outputs = {};
const lines = readFileSync(files.output, 'utf8').split('\n');
for (let i = 0; i < lines.length; i++) {
  const match = /^([^<]+)<<(.+)$/.exec(lines[i]);
  if (!match) continue;
  const body = [];
  for (i++; lines[i] !== match[2]; i++) body.push(lines[i]);
  outputs[match[1]] = body.join('\n');
}
const mib = (bytes) => `${(Number(bytes) / 1024 / 1024).toFixed(2)} MiB`;
console.log('\n== go-slim-image demo');
console.log(`image:       ${outputs['image-ref']}`);
console.log(`tags:        ${outputs.tags.split('\n').join(', ')}`);
console.log(`digest:      ${outputs.digest}`);
console.log(`size:        ${outputs.size} bytes (${mib(outputs.size)} compressed)`);
console.log(`binary size: ${outputs['binary-size']} bytes (${mib(outputs['binary-size'])})`);
console.log(`go version:  ${outputs['go-version']}`);
