#!/usr/bin/env node
// Regenerates the inputs and outputs tables of README.md from action.yml (between the
// <!-- inputs:start/end --> and <!-- outputs:start/end --> markers). With --check, fails when
// README.md is not what it would write.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export function renderTables(actionYml) {
  const action = parse(actionYml);
  const cell = (text) => String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();
  const inputs = ['| name | type | default | description |', '| --- | --- | --- | --- |'];
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    const type = /^(true|false)$/.test(String(input.default ?? '')) ? 'boolean' : 'string';
    const fallback = input.required ? '(required)' : input.default === undefined || input.default === '' ? '' : `\`${cell(input.default)}\``;
    inputs.push(`| \`${name}\` | ${type} | ${fallback} | ${cell(input.description)} |`);
  }
  const outputs = ['| name | description |', '| --- | --- |'];
  for (const [name, output] of Object.entries(action.outputs ?? {})) outputs.push(`| \`${name}\` | ${cell(output.description)} |`);
  return { inputs: inputs.join('\n'), outputs: outputs.join('\n') };
}

export function updateReadme(readme, tables) {
  let text = readme;
  for (const [name, table] of Object.entries(tables)) {
    const pattern = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!pattern.test(text)) throw new Error(`README.md has no <!-- ${name}:start --> / <!-- ${name}:end --> markers`);
    text = text.replace(pattern, `$1\n${table}\n$2`);
  }
  return text;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const readmePath = path.join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const updated = updateReadme(readme, renderTables(readFileSync(path.join(root, 'action.yml'), 'utf8')));
  if (process.argv.includes('--check')) {
    if (updated !== readme) {
      console.error('README.md tables differ from action.yml: run npm run docs');
      process.exit(1);
    }
    console.log('README.md tables match action.yml.');
  } else {
    writeFileSync(readmePath, updated);
  }
}
