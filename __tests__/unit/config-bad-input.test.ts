import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config.js';
import { InputError } from '../../src/errors.js';
import { BAD_INPUTS, NO_BAD_VALUE, type BadInput } from '../helpers/bad-inputs.js';

/**
 * Every bad value of the shared table through parseConfig: one InputError naming the input, the
 * value and what is accepted. Cases only the running action can find are in the integration suite.
 */
const actionInputs = Object.keys((parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as { inputs: Record<string, unknown> }).inputs);

const BASE = { image: '127.0.0.1:5000/bad/input', 'working-directory': 'examples/hello', builder: 'gsi-builder' };

function errorOf(c: BadInput): InputError {
  const inputs: Record<string, string> = { ...BASE, ...(c.set ?? { [c.input]: c.value }) };
  try {
    parseConfig((name) => inputs[name] ?? '', '/work/space', { env: {} });
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('a bad value of every input is refused by the config parser', () => {
  it('has a case for every input of action.yml', () => {
    const covered = new Set(BAD_INPUTS.map(([, c]) => c.input));
    expect(actionInputs.filter((name) => !covered.has(name) && !(name in NO_BAD_VALUE))).toEqual([]);
    expect([...covered, ...Object.keys(NO_BAD_VALUE)].filter((name) => !actionInputs.includes(name))).toEqual([]);
  });

  it.each(BAD_INPUTS.filter(([, c]) => !c.runtime))('%s', (_name, c) => {
    const error = errorOf(c);
    expect(error.input).toBe(c.input);
    if (c.message) expect(error.message).toMatch(c.message);
    else expect(error.message.startsWith(`Input '${c.input}' has an invalid value ${JSON.stringify(c.value)}: expected `)).toBe(true);
    expect(error.message).toMatch(c.accepted);
    if (c.hidden) expect(error.message).not.toContain(c.hidden);
  });
});
