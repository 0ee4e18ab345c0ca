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

/** The reasons issue 23 found wrong or late, with the whole message each now gives. */
describe('the right reason, before any slow work', () => {
  const messageOf = (inputs: Record<string, string>) => errorOf({ input: '', value: '', accepted: /./, set: inputs }).message;

  it('a registry port out of range is refused by the reference parser', () => {
    expect(messageOf({ image: '127.0.0.1:99999/app' })).toBe(
      'Input \'image\' has an invalid value "127.0.0.1:99999/app": expected an image name such as ghcr.io/owner/app ' +
        '("127.0.0.1:99999" is not a valid registry host: port 99999 is not a TCP port (1-65535)).',
    );
    expect(messageOf({ image: '127.0.0.1:0/app' })).toMatch(/port 0 is not a TCP port/);
    expect(() => parseConfig((name) => ({ ...BASE, image: '127.0.0.1:65535/app' })[name] ?? '', '/work/space', { env: {} })).not.toThrow();
  });

  it('a 129-character tag is too long, not "a full reference needs a tag"', () => {
    const tag = 'v'.repeat(129);
    expect(messageOf({ tags: tag })).toBe(
      `Input 'tags' has an invalid value "${tag}": expected a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or a full reference registry/name:tag ` +
        `("${tag}" is not a valid tag: it is longer than 128 characters).`,
    );
  });

  it('tags of separators only is an empty list given on purpose, not the default tags', () => {
    expect(messageOf({ tags: ',,' })).toBe(
      'Input \'tags\' has an invalid value ",,": expected a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or a full reference registry/name:tag, ' +
        'at least one in a comma or newline list (leave tags unset for the default tags).',
    );
    expect(messageOf({ tags: ' ,\n, ' })).toMatch(/^Input 'tags' has an invalid value ",\\n,": expected .*at least one/);
  });

  it('an index annotation with one platform names annotations, the line and what is accepted', () => {
    expect(messageOf({ annotations: 'index:b=2' })).toBe(
      'Input \'annotations\' has an invalid value "index:b=2": expected manifest-level annotations (key=value or manifest:key=value) when one platform is built (linux/amd64): ' +
        'a single-platform image is a manifest with no index, so index: and index-descriptor: need several platforms.',
    );
    expect(messageOf({ annotations: 'a=1\nindex-descriptor:c=3' })).toMatch(/invalid value "index-descriptor:c=3"/);
  });

  it('takes index annotations with several platforms, and in a merge job', () => {
    const parse = (inputs: Record<string, string>) => parseConfig((name) => ({ ...BASE, ...inputs })[name] ?? '', '/work/space', { env: {} });
    expect(parse({ annotations: 'index:b=2', platforms: 'linux/amd64,linux/arm64' }).annotations).toEqual(['index:b=2']);
    expect(parse({ annotations: 'index:b=2', mode: 'merge' }).annotations).toEqual(['index:b=2']);
  });
});

describe('inputs this configuration ignores are warned about', () => {
  const warningsOf = (inputs: Record<string, string>) => parseConfig((name) => ({ ...BASE, ...inputs })[name] ?? '', '/work/space', { env: {} }).warnings;

  it('build-args in prebuilt mode (either engine) name the input, the mode and where they apply', () => {
    expect(warningsOf({ 'build-args': 'VERSION=1\nGOPROXY=off' })).toEqual([
      'build-args (VERSION, GOPROXY) are ignored: in dockerfile-mode: prebuilt (the default, and the only mode of the direct engine) the binaries are compiled on the runner ' +
        'and the generated Dockerfile only copies them. They apply with your own Dockerfile (the dockerfile input) or with dockerfile-mode: source; remove them otherwise.',
    ]);
    expect(warningsOf({ 'build-args': 'VERSION=1', engine: 'direct' })).toHaveLength(1);
  });

  it('nothing in source mode, or without build-args', () => {
    expect(warningsOf({ 'build-args': 'HTTPS_PROXY=http://127.0.0.1:3128', 'dockerfile-mode': 'source' })).toEqual([]);
    expect(warningsOf({})).toEqual([]);
  });
});
