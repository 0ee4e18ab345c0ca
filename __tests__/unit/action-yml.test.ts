import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { Inputs, Outputs } from '../../src/inputs.js';

const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, { default?: string; description: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string; post: string };
};

describe('action.yml', () => {
  it('declares exactly the inputs the code reads, with the same defaults', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.values(Inputs).map((i) => i.name).sort());
    for (const input of Object.values(Inputs)) {
      const fromYml = action.inputs[input.name]?.default ?? '';
      // An expression default (${{ github.token }}) exists only on the runner: elsewhere it is empty.
      expect([input.name, fromYml.startsWith('${{') ? '' : fromYml]).toEqual([input.name, input.default]);
    }
  });

  it('declares every output the code sets', () => {
    expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Outputs).sort());
  });

  it('runs the bundles on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/main/index.js', post: 'dist/post/index.js' });
  });
});

describe('README.md', () => {
  it('has the inputs and outputs tables generated from action.yml (npm run docs)', async () => {
    // @ts-expect-error: a plain .mjs script with no type declarations
    const docs = (await import('../../scripts/docs.mjs')) as {
      renderTables: (yml: string, inputs: typeof Inputs) => Record<string, string>;
      updateReadme: (readme: string, tables: Record<string, string>) => string;
    };
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const yml = readFileSync(new URL('../../action.yml', import.meta.url), 'utf8');
    expect(docs.updateReadme(readme, docs.renderTables(yml, Inputs))).toBe(readme);
  });

  it('refuses an input of action.yml without a declared type instead of guessing one', async () => {
    // @ts-expect-error: a plain .mjs script with no type declarations
    const docs = (await import('../../scripts/docs.mjs')) as { renderTables: (yml: string, inputs: unknown) => unknown };
    const yml = 'inputs:\n  image:\n    description: x\n  extra:\n    description: y\n    default: "false"\n';
    expect(() => docs.renderTables(yml, { image: { name: 'image', default: '', type: 'reference' } })).toThrow("action.yml's input extra has no type in src/inputs.ts");
  });
});
