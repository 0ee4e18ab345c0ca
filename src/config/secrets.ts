import { InputError } from '../errors.js';
import { Inputs } from '../inputs.js';
import { resolveInside } from './paths.js';
import type { ParseContext } from './text.js';

/** A build secret with its value (from the `secrets` input, or an environment variable it names). */
export interface SecretValue {
  id: string;
  value: string;
}

/** A build secret read from a file; `path` is the written path, resolved by the caller. */
export interface SecretFileEntry {
  id: string;
  path: string;
}

const SECRET_ID = /^[A-Za-z0-9_.-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The keys of buildx's `--secret` syntax: `id=npm,env=NPM_TOKEN`, `id=key,src=key.pem`, `type=env,...`. */
const BUILDX_KEYS = new Set(['id', 'type', 'env', 'src', 'source']);

interface BuildxSecret {
  id: string;
  env?: string;
  src?: string;
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), index }))
    .filter(({ line }) => Boolean(line));

/**
 * A line in buildx's own `--secret` syntax, or undefined when it is not one. Lines that start with
 * `id=` or `type=` are taken as that syntax (never as a secret named `id` or `type`), so a malformed
 * one is refused rather than silently read as the secret `id`.
 */
function buildxSecret(input: string, line: string, index: number): BuildxSecret | undefined {
  const key = line.slice(0, line.indexOf('='));
  if (key !== 'id' && key !== 'type') return undefined;
  const fields = new Map<string, string>();
  const refuse = (problem: string): never => {
    // The fields are names (an id, a variable, a path), except where the syntax is broken: then show only the line number.
    throw new InputError(input, `<line ${index + 1}>`, `buildx's syntax id=<id>,env=<variable> or id=<id>,src=<file> (${problem})`);
  };
  for (const field of line.split(',')) {
    const eq = field.indexOf('=');
    const name = field.slice(0, eq).trim();
    if (eq <= 0 || !BUILDX_KEYS.has(name)) return refuse(`every field is one of ${[...BUILDX_KEYS].join(', ')} followed by =`);
    fields.set(name, field.slice(eq + 1).trim());
  }
  const id = fields.get('id') ?? '';
  const type = fields.get('type');
  const env = fields.get('env') ?? (type === 'env' ? id : undefined);
  const src = fields.get('src') ?? fields.get('source') ?? (type === 'file' ? id : undefined);
  if (!SECRET_ID.test(id)) return refuse('id is letters, digits, _ . -');
  if (type !== undefined && type !== 'env' && type !== 'file') return refuse('type is env or file');
  if ((env === undefined) === (src === undefined)) return refuse('give exactly one of env= and src=');
  if (env !== undefined && !ENV_NAME.test(env)) return refuse('env names an environment variable');
  if (src === '') return refuse('src names a file');
  return { id, ...(env !== undefined ? { env } : {}), ...(src !== undefined ? { src } : {}) };
}

function plainEntry(input: string, line: string, index: number, accepted: string, secret: boolean): [string, string] {
  const eq = line.indexOf('=');
  const id = eq > 0 ? line.slice(0, eq).trim() : '';
  if (!SECRET_ID.test(id)) {
    // A line without `id=` may be a bare secret: never echo it.
    throw new InputError(input, eq > 0 ? id : secret ? `<line ${index + 1}: no id=>` : line, accepted);
  }
  return [id, line.slice(eq + 1)];
}

export interface ParsedSecrets {
  secrets: SecretValue[];
  files: SecretFileEntry[];
}

/**
 * The `secrets` and `secret-files` inputs. `secrets`: `id=value` lines, or buildx's `id=npm,env=NPM_TOKEN`
 * (the value read from `env`, the action's environment) and `id=key,src=key.pem` (a file, as in
 * secret-files). `secret-files`: `id=path` lines, or buildx's `id=key,src=key.pem`.
 */
export function parseSecrets(secretsText: string, filesText: string, env: NodeJS.ProcessEnv): ParsedSecrets {
  const secrets: SecretValue[] = [];
  const files: SecretFileEntry[] = [];
  const secretsInput = Inputs.secrets.name;
  for (const { line, index } of lines(secretsText)) {
    const buildx = buildxSecret(secretsInput, line, index);
    if (buildx?.env !== undefined) {
      const value = env[buildx.env];
      if (value === undefined || value === '') {
        throw new InputError(secretsInput, line, `id=${buildx.id},env=<a variable that is set> (${buildx.env} is not set or empty in the step's environment)`);
      }
      secrets.push({ id: buildx.id, value });
    } else if (buildx?.src !== undefined) {
      files.push({ id: buildx.id, path: buildx.src });
    } else {
      const [id, value] = plainEntry(secretsInput, line, index, 'one id=value per line (the value is masked), or id=<id>,env=<variable>', true);
      secrets.push({ id, value });
    }
  }
  const filesInput = Inputs.secretFiles.name;
  for (const { line, index } of lines(filesText)) {
    const buildx = buildxSecret(filesInput, line, index);
    if (buildx?.env !== undefined) throw new InputError(filesInput, line, 'id=<id>,src=<file>, or id=path (a secret from an environment variable goes in secrets)');
    if (buildx?.src !== undefined) files.push({ id: buildx.id, path: buildx.src });
    else {
      const [id, file] = plainEntry(filesInput, line, index, 'one id=path per line, the path inside the workspace', false);
      files.push({ id, path: file });
    }
  }
  return { secrets, files };
}

/**
 * What to mask of a secret file's contents: the whole text and each line of it (the runner masks a
 * registered value only where it appears whole; a key file is logged line by line when it leaks).
 * Lines shorter than 4 characters (`}`, blank-ish lines) are left out: masking them would blank the log.
 */
export function secretFileMasks(content: string): string[] {
  const whole = content.trim();
  if (!whole) return [];
  const parts = whole.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length >= 4);
  return [...new Set([whole, ...parts])];
}

/** The build secrets of a run, their files resolved inside the workspace. */
export interface SecretSettings {
  /** Build secrets with their values (masked as soon as they are read). */
  secrets: SecretValue[];
  secretFiles: SecretFileEntry[];
  /** Values to mask besides `secrets` (the contents of secret-files), for the entry point to register. */
  masks: string[];
}

export function parseSecretSettings({ get, workspace, fs, env }: ParseContext, workingDirectory: string): SecretSettings {
  const parsed = parseSecrets(get('secrets'), get('secretFiles'), env);
  const masks: string[] = [];
  const secretFiles = parsed.files.map(({ id, path: file }) => {
    const resolved = resolveInside(workspace, Inputs.secretFiles.name, file, workingDirectory, fs);
    let content: string;
    try {
      content = fs.readFileSync(resolved, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new InputError(Inputs.secretFiles.name, `${id}=${file}`, `id=path with a file that exists, relative to working-directory (none at ${resolved})`);
    }
    masks.push(...secretFileMasks(content));
    return { id, path: resolved };
  });
  return { secrets: parsed.secrets, secretFiles, masks };
}
