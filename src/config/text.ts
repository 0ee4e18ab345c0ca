import { InputError } from '../errors.js';
import { Inputs, type InputKey } from '../inputs.js';
import type { PathFs } from './paths.js';
import type { Notices } from './references.js';

/** Reads one raw input; returns '' when it is not set. */
export type InputReader = (name: string) => string;

/** The file-system reads config parsing makes (node:fs by default; tests may pass their own). */
export interface ConfigFs extends PathFs {
  readFileSync(file: string, encoding: 'utf8'): string;
}

/** What every area parser gets: the inputs, where the workspace is, and where to leave notices. */
export interface ParseContext {
  /** The trimmed input, or action.yml's default when it is empty. */
  get(key: InputKey): string;
  /** The raw input as the runner gave it. */
  read: InputReader;
  workspace: string;
  fs: ConfigFs;
  env: NodeJS.ProcessEnv;
  notices: Notices;
}

export function inputGetter(read: InputReader): (key: InputKey) => string {
  return (key) => {
    const value = read(Inputs[key].name).trim();
    return value === '' ? Inputs[key].default : value;
  };
}

const TRUE_VALUES = ['true', 'True', 'TRUE'];
const FALSE_VALUES = ['false', 'False', 'FALSE'];

/** `KEY=VALUE` lines (newline-separated; values may hold commas and `=`). */
export function keyValues(input: string, text: string, key: RegExp, accepted: string): [string, string][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const eq = line.indexOf('=');
      const name = eq > 0 ? line.slice(0, eq).trim() : '';
      if (!key.test(name)) throw new InputError(input, eq > 0 ? name : line, accepted);
      return [name, line.slice(eq + 1)] as [string, string];
    });
}

/** A comma or newline list. */
export function list(text: string): string[] {
  return text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
}

export function parseEnum<T extends string>(input: string, value: string, accepted: readonly T[]): T {
  if ((accepted as readonly string[]).includes(value)) return value as T;
  throw new InputError(input, value, `one of ${accepted.join(', ')}`);
}

export function parseBoolean(input: string, value: string): boolean {
  if (TRUE_VALUES.includes(value)) return true;
  if (FALSE_VALUES.includes(value)) return false;
  throw new InputError(input, value, 'true or false');
}
