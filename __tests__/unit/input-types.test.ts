import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config.js';
import { InputError } from '../../src/errors.js';
import { Inputs, takesTrueFalse, type InputSpec } from '../../src/inputs.js';

/**
 * The types declared in src/inputs.ts (the README's type column, the CLI's switches) held to what
 * the config parser accepts: an input declared boolean or as a list of values takes exactly those.
 */
const BASE: Record<string, string> = { image: '127.0.0.1:5000/input/types', 'working-directory': 'examples/hello', builder: 'gsi-builder' };

function inputErrorFor(name: string, value: string): InputError | undefined {
  const inputs = { ...BASE, [name]: value };
  try {
    parseConfig((key) => inputs[key] ?? '', '/work/space', { env: {} });
  } catch (error) {
    if (error instanceof InputError && error.input === name) return error;
    if (!(error instanceof InputError)) throw error;
  }
  return undefined;
}

/** Declared values the parser refuses with a reason of their own: cgo is a true/false input, and true is not supported yet. */
const REFUSED_WITH_A_REASON: Record<string, string[]> = { cgo: ['true'] };

const specs: InputSpec[] = Object.values(Inputs);
const closed = specs.filter((spec) => spec.type === 'boolean' || Array.isArray(spec.type));
const values = (spec: InputSpec): readonly string[] => (Array.isArray(spec.type) ? spec.type : ['true', 'false']);

describe('declared input types', () => {
  it('declares every default among the declared values', () => {
    for (const spec of closed) if (spec.default !== '') expect([spec.name, values(spec)]).toEqual([spec.name, expect.arrayContaining([spec.default])]);
  });

  it.each(closed.map((spec) => [spec.name, spec] as const))('%s takes each declared value', (_name, spec) => {
    for (const value of values(spec)) {
      const error = inputErrorFor(spec.name, value);
      if (REFUSED_WITH_A_REASON[spec.name]?.includes(value)) expect(error?.accepted).toMatch(/not supported yet/);
      else expect([value, error?.message]).toEqual([value, undefined]);
    }
  });

  it.each(closed.map((spec) => [spec.name, spec] as const))('%s refuses any other value, listing the declared ones', (_name, spec) => {
    const error = inputErrorFor(spec.name, 'not-a-value');
    expect(error).toBeInstanceOf(InputError);
    for (const value of values(spec)) expect(error!.accepted).toContain(value);
  });

  it('makes a true/false switch of booleans and of value lists that hold true and false', () => {
    expect(specs.filter((spec) => takesTrueFalse(spec.type)).map((spec) => spec.name)).toEqual(
      specs.filter((spec) => spec.type === 'boolean' || (Array.isArray(spec.type) && spec.type.includes('true'))).map((spec) => spec.name),
    );
  });
});
