#!/usr/bin/env node
// Regenerates the inputs and outputs tables of README.md from action.yml and the input types
// declared in src/inputs.ts (between the <!-- inputs:start/end --> and <!-- outputs:start/end -->
// markers). With --check, fails when README.md is not what it would write.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** The type column: a declared kind (`boolean`, `list`, …), or the values of an input that takes one of a few. */
export function typeCell(type) {
  return Array.isArray(type) ? type.map((value) => `\`${value}\``).join(', ') : type;
}

/**
 * The tables (pure). `inputs` is src/inputs.ts's Inputs: every input of action.yml must declare its
 * type there (an input without one is an error, not a guess).
 */
export function renderTables(actionYml, declared) {
  const action = parse(actionYml);
  const types = new Map(Object.values(declared).map((input) => [input.name, input.type]));
  const cell = (text) => String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();
  const inputs = ['| name | type | default | description |', '| --- | --- | --- | --- |'];
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    if (!types.has(name)) throw new Error(`action.yml's input ${name} has no type in src/inputs.ts (Inputs)`);
    const type = cell(typeCell(types.get(name)));
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

/** src/inputs.ts's Inputs, for a plain `node` run: the file imports nothing, so transpiling it alone is enough. */
async function loadInputs() {
  const source = readFileSync(path.join(root, 'src/inputs.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const module = await import(`data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`);
  return module.Inputs;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const readmePath = path.join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const updated = updateReadme(readme, renderTables(readFileSync(path.join(root, 'action.yml'), 'utf8'), await loadInputs()));
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
