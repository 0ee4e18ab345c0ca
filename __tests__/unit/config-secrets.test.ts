import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { announceConfig, parseConfig } from '../../src/config.js';
import { parseSecrets, secretFileMasks } from '../../src/config/secrets.js';
import { inputErrorOf } from '../helpers/input-error.js';


const env = { NPM_TOKEN: 'npm-t0ken-value', EMPTY: '' };

describe('parseSecrets', () => {
  it.each([
    ['npmrc=//registry/:_authToken=abc=', '', { secrets: [{ id: 'npmrc', value: '//registry/:_authToken=abc=' }], files: [] }],
    // buildx's own syntax: the value from the step's environment, or a file.
    ['id=npm,env=NPM_TOKEN', '', { secrets: [{ id: 'npm', value: 'npm-t0ken-value' }], files: [] }],
    ['type=env,id=NPM_TOKEN', '', { secrets: [{ id: 'NPM_TOKEN', value: 'npm-t0ken-value' }], files: [] }],
    ['id=key, src=keys/key.pem', '', { secrets: [], files: [{ id: 'key', path: 'keys/key.pem' }] }],
    ['', 'key=keys/key.pem\nid=cert,source=certs/c.pem', { secrets: [], files: [{ id: 'key', path: 'keys/key.pem' }, { id: 'cert', path: 'certs/c.pem' }] }],
    ['', 'type=file,id=key.pem', { secrets: [], files: [{ id: 'key.pem', path: 'key.pem' }] }],
  ])('secrets %j, secret-files %j', (secrets, files, parsed) => {
    expect(parseSecrets(secrets, files, env)).toEqual(parsed);
  });

  it.each([
    // Today's trap: this was the secret "id" with the value "npm,env=NPM_TOKEN".
    ['secrets', 'id=npm,env=UNSET_VAR', '', /UNSET_VAR is not set or empty/],
    ['secrets', 'id=npm,env=EMPTY', '', /EMPTY is not set or empty/],
    ['secrets', 'id=npm', '', /buildx's syntax .*give exactly one of env= and src=/],
    ['secrets', 'id=npm,env=A,src=b', '', /give exactly one of env= and src=/],
    ['secrets', 'id=npm,value=x', '', /every field is one of id, type, env, src, source/],
    ['secrets', 'type=ssh,id=x,src=y', '', /type is env or file/],
    ['secrets', 'id=bad id!,env=X', '', /id is letters, digits/],
    ['secrets', 'id=npm,env=NOT-A-NAME', '', /env names an environment variable/],
    ['secret-files', '', 'id=npm,env=NPM_TOKEN', /a secret from an environment variable goes in secrets/],
    ['secret-files', '', 'no equals', /one id=path per line/],
  ])('refuses %s naming the input: %j %j', (input, secrets, files, reason) => {
    const error = inputErrorOf(() => parseSecrets(secrets, files, env));
    expect(error.input).toBe(input);
    expect(error.message).toMatch(reason);
  });

  it('never shows a value that may be a secret', () => {
    for (const text of ['id=s3cr3t-value', 'id=x,value=s3cr3t-value', 's3cr3t-value']) {
      expect(inputErrorOf(() => parseSecrets(text, '', env)).message).not.toContain('s3cr3t-value');
    }
  });
});

describe('secretFileMasks', () => {
  it.each([
    ['token-value\n', ['token-value']],
    ['-----BEGIN KEY-----\r\nMIIEvQIBADANBg\r\n}\r\n-----END KEY-----\r\n', ['-----BEGIN KEY-----\r\nMIIEvQIBADANBg\r\n}\r\n-----END KEY-----', '-----BEGIN KEY-----', 'MIIEvQIBADANBg', '-----END KEY-----']],
    ['\n\n', []],
  ])('%j', (content, masks) => {
    expect(secretFileMasks(content)).toEqual(masks);
  });
});

describe('secrets in the config', () => {
  let ws: string;
  beforeAll(() => {
    ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gsi-secrets-')));
    fs.mkdirSync(path.join(ws, 'keys'));
    fs.writeFileSync(path.join(ws, 'keys', 'key.pem'), 'line-one-secret\nline-two-secret\n');
  });
  afterAll(() => fs.rmSync(ws, { recursive: true, force: true }));

  const configFrom = (inputs: Record<string, string>) => parseConfig((name) => ({ image: 'ghcr.io/a/b', ...inputs })[name] ?? '', ws, { env });

  it('returns the contents of secret-files to mask, and the entry point masks them with the secrets', () => {
    const config = configFrom({ secrets: 'id=npm,env=NPM_TOKEN\nplain=v4lue', 'secret-files': 'key=keys/key.pem' });
    expect(config.secretFiles).toEqual([{ id: 'key', path: path.join(ws, 'keys', 'key.pem') }]);
    expect(config.masks).toEqual(['line-one-secret\nline-two-secret', 'line-one-secret', 'line-two-secret']);
    const masked: string[] = [];
    const logged: string[] = [];
    announceConfig(config, { setSecret: (value) => masked.push(value), info: (line) => logged.push(line), warning: (line) => logged.push(line) });
    expect(masked).toEqual(['npm-t0ken-value', 'v4lue', 'line-one-secret\nline-two-secret', 'line-one-secret', 'line-two-secret']);
    expect(logged).toEqual([]);
  });

  it('masks before it logs a notice or a warning', () => {
    const order: string[] = [];
    const config = configFrom({ image: 'ghcr.io/A/b', secrets: 'x=y1234', 'build-args': 'TOKEN=y1234' });
    announceConfig(config, { setSecret: () => order.push('mask'), info: () => order.push('info'), warning: () => order.push('warning') });
    expect(order).toEqual(['mask', 'info', 'warning']);
  });

  it('refuses a secret file that does not exist, naming the input', () => {
    const error = inputErrorOf(() => configFrom({ 'secret-files': 'key=keys/missing.pem' }));
    expect(error.input).toBe('secret-files');
    expect(error.message).toMatch(/none at .*missing\.pem/);
  });

  it.each(['./cmd/...', '...', './...', 'all'])('refuses the pattern main: %s, saying patterns are not accepted', (main) => {
    const error = inputErrorOf(() => configFrom({ main }));
    expect(error.input).toBe('main');
    expect(error.message).toMatch(/patterns are not accepted.*go list/);
  });
});
