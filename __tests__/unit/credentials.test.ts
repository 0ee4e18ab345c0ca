import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { CommandError } from '../../src/errors.js';
import type { ExecOptions, ExecResult } from '../../src/exec.js';
import { credentialChain, helperServerUrl, registryKey, type CredentialChainOptions } from '../../src/image/credentials.js';

const HOME = '/home/runner';
const CONFIG = path.join(HOME, '.docker', 'config.json');

interface HelperCall {
  program: string;
  args: readonly string[];
  input?: string;
}

/** A fake exec for `docker-credential-*` helpers: answers by program name; a program it lacks is missing from PATH. */
function helpers(answers: Record<string, (serverUrl: string) => Partial<ExecResult>>) {
  const calls: HelperCall[] = [];
  const run = async (program: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> => {
    calls.push({ program, args, ...(options.input !== undefined ? { input: options.input } : {}) });
    const answer = answers[program];
    if (!answer) throw new CommandError(program, -1, `${program} was not found on PATH`);
    return { exitCode: 0, stdout: '', stderr: '', ...answer(options.input ?? '') };
  };
  return { run, calls };
}

function chain(config: object | undefined, options: Partial<CredentialChainOptions> = {}) {
  const warnings: string[] = [];
  const masked: string[] = [];
  const { run, calls } = helpers({});
  const lookup = credentialChain({
    run,
    env: {},
    homedir: HOME,
    platform: 'linux',
    readFile: async (file) => {
      if (file !== CONFIG || config === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return JSON.stringify(config);
    },
    warn: (message) => void warnings.push(message),
    mask: (secret) => void masked.push(secret),
    ...options,
  });
  return { lookup, warnings, masked, calls };
}

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('registryKey', () => {
  it.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['GHCR.IO', 'ghcr.io'],
    ['http://LOCALHOST:5321', 'localhost:5321'],
    ['127.0.0.1:5000/v2/', '127.0.0.1:5000'],
  ])('%s → %s', (key, expected) => expect(registryKey(key)).toBe(expected));

  it('hands helpers the host, or Docker Hub legacy index URL', () => {
    expect(helperServerUrl('docker.io')).toBe('https://index.docker.io/v1/');
    expect(helperServerUrl('Registry.Example:5000')).toBe('registry.example:5000');
  });
});

describe('credentialChain', () => {
  it('reads auths (auth, username/password), matching the registry case-insensitively and by URL form', async () => {
    const { lookup, masked } = chain({ auths: { 'https://Registry.Example:5000': { auth: basic('u', 'p:w') }, 'index.docker.io': { username: 'hub', password: 'hubpw' } } });
    expect(await lookup('registry.example:5000')).toEqual({ username: 'u', password: 'p:w', source: `auths in ${CONFIG}` });
    expect(await lookup('docker.io')).toEqual({ username: 'hub', password: 'hubpw', source: `auths in ${CONFIG}` });
    expect(masked).toEqual(expect.arrayContaining(['p:w', basic('u', 'p:w'), 'hubpw', basic('hub', 'hubpw')]));
  });

  it('reads DOCKER_CONFIG when set', async () => {
    const { lookup } = chain(undefined, {
      env: { DOCKER_CONFIG: '/cfg' },
      readFile: async (file) => (file === path.join('/cfg', 'config.json') ? JSON.stringify({ auths: { 'r.example': { auth: basic('a', 'b') } } }) : Promise.reject(new Error('ENOENT'))),
    });
    expect(await lookup('r.example')).toEqual({ username: 'a', password: 'b', source: `auths in ${path.join('/cfg', 'config.json')}` });
  });

  it('reads an identitytoken from auths', async () => {
    const { lookup, masked } = chain({ auths: { 'r.example': { identitytoken: 'refresh-me' } } });
    expect(await lookup('r.example')).toEqual({ username: '', password: '', identityToken: 'refresh-me', source: `auths in ${CONFIG}` });
    expect(masked).toEqual(['refresh-me']);
  });

  it('asks credHelpers first, then credsStore, with the server URL on stdin, before auths', async () => {
    const { run, calls } = helpers({
      'docker-credential-ecr': (url) => ({ stdout: JSON.stringify({ ServerURL: url, Username: 'AWS', Secret: 'ecr-secret' }) }),
      'docker-credential-desktop': (url) => ({ stdout: JSON.stringify({ ServerURL: url, Username: 'me', Secret: 'desk-secret' }) }),
    });
    const config = { credsStore: 'desktop', credHelpers: { 'ACME.example': 'ecr' }, auths: { 'acme.example': { auth: basic('x', 'y') }, 'other.example': {} } };
    const { lookup, warnings } = chain(config, { run });
    expect(await lookup('acme.example')).toEqual({ username: 'AWS', password: 'ecr-secret', source: 'credHelpers: docker-credential-ecr' });
    expect(await lookup('other.example')).toEqual({ username: 'me', password: 'desk-secret', source: 'credsStore: docker-credential-desktop' });
    expect(await lookup('docker.io')).toEqual({ username: 'me', password: 'desk-secret', source: 'credsStore: docker-credential-desktop' });
    expect(calls).toEqual([
      { program: 'docker-credential-ecr', args: ['get'], input: 'acme.example' },
      { program: 'docker-credential-desktop', args: ['get'], input: 'other.example' },
      { program: 'docker-credential-desktop', args: ['get'], input: 'https://index.docker.io/v1/' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('reads each registry once', async () => {
    const { run, calls } = helpers({ 'docker-credential-pass': () => ({ stdout: JSON.stringify({ Username: 'u', Secret: 's' }) }) });
    const { lookup } = chain({ credsStore: 'pass' }, { run });
    await Promise.all([lookup('r.example'), lookup('R.EXAMPLE'), lookup('r.example')]);
    expect(calls).toHaveLength(1);
  });

  it('takes `<token>` as the user to mean an identity token', async () => {
    const { run } = helpers({ 'docker-credential-gcr': () => ({ stdout: JSON.stringify({ ServerURL: 'gcr.io', Username: '<token>', Secret: 'oauth-refresh' }) }) });
    const { lookup, masked } = chain({ credHelpers: { 'gcr.io': 'gcr' } }, { run });
    expect(await lookup('gcr.io')).toEqual({ username: '', password: '', identityToken: 'oauth-refresh', source: 'credHelpers: docker-credential-gcr' });
    expect(masked).toEqual(['oauth-refresh']);
  });

  it('adds .exe on Windows', async () => {
    const { run, calls } = helpers({ 'docker-credential-wincred.exe': () => ({ stdout: JSON.stringify({ Username: 'u', Secret: 's' }) }) });
    const { lookup } = chain({ credsStore: 'wincred' }, { run, platform: 'win32' });
    expect(await lookup('r.example')).toEqual(expect.objectContaining({ source: 'credsStore: docker-credential-wincred' }));
    expect(calls[0]!.program).toBe('docker-credential-wincred.exe');
  });

  it('"credentials not found" moves on silently; a missing or failing helper warns and moves on', async () => {
    const { run } = helpers({
      'docker-credential-empty': () => ({ exitCode: 1, stdout: 'credentials not found in native keychain\n' }),
      'docker-credential-broken': () => ({ exitCode: 3, stderr: 'cannot reach the keyring\n' }),
      'docker-credential-garbled': () => ({ stdout: 'not json' }),
    });
    const auths = { auths: { 'r.example': { auth: basic('file', 'filepw') } } };
    for (const [store, warning] of [
      ['empty', undefined],
      ['missing', 'Registry login for r.example: credsStore: docker-credential-missing is not on PATH; trying the next source.'],
      ['broken', 'Registry login for r.example: credsStore: docker-credential-broken failed with exit code 3: cannot reach the keyring; trying the next source.'],
      ['garbled', 'Registry login for r.example: credsStore: docker-credential-garbled answered something that is not JSON; trying the next source.'],
    ] as const) {
      const { lookup, warnings } = chain({ credsStore: store, ...auths }, { run });
      expect(await lookup('r.example')).toEqual({ username: 'file', password: 'filepw', source: `auths in ${CONFIG}` });
      expect(warnings).toEqual(warning ? [warning] : []);
    }
  });

  it('gives the helper a timeout and says so when it runs out', async () => {
    const options: ExecOptions[] = [];
    const run = async (_program: string, _args: readonly string[], given: ExecOptions = {}): Promise<ExecResult> => {
      options.push(given);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { exitCode: 128, stdout: '', stderr: '' };
    };
    const { lookup, warnings } = chain({ credsStore: 'slow' }, { run, helperTimeoutMs: 20 });
    expect(await lookup('r.example')).toBeUndefined();
    expect(options[0]).toEqual(expect.objectContaining({ timeoutMs: 20, allowFailure: true }));
    expect(warnings).toEqual(['Registry login for r.example: credsStore: docker-credential-slow did not answer within 0.02 s; trying the next source.']);
  });

  describe('the github-token input, for ghcr.io on GitHub Actions when nothing else matches', () => {
    it('uses GITHUB_ACTOR, or x-access-token', async () => {
      const actor = chain({}, { env: { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octocat' }, githubToken: 'ghs_workflow' });
      expect(await actor.lookup('GHCR.io')).toEqual({ username: 'octocat', password: 'ghs_workflow', source: 'github-token input' });
      expect(actor.masked).toContain('ghs_workflow');
      const noActor = chain(undefined, { env: { GITHUB_ACTIONS: 'true' }, githubToken: 'ghs_workflow' });
      expect(await noActor.lookup('ghcr.io')).toEqual(expect.objectContaining({ username: 'x-access-token' }));
    });

    it('not off Actions, not for other registries, not over a docker config login', async () => {
      expect(await chain({}, { env: {}, githubToken: 't' }).lookup('ghcr.io')).toBeUndefined();
      expect(await chain({}, { env: { GITHUB_ACTIONS: 'true' }, githubToken: 't' }).lookup('docker.io')).toBeUndefined();
      const configured = chain({ auths: { 'ghcr.io': { auth: basic('me', 'pat') } } }, { env: { GITHUB_ACTIONS: 'true' }, githubToken: 't' });
      expect(await configured.lookup('ghcr.io')).toEqual(expect.objectContaining({ password: 'pat' }));
    });
  });

  it('a docker config that is not JSON warns and counts as empty', async () => {
    const { lookup, warnings } = chain(undefined, { readFile: async () => '{not json' });
    expect(await lookup('r.example')).toBeUndefined();
    expect(warnings).toEqual([`The docker config ${CONFIG} is not valid JSON; its logins are ignored.`]);
  });
});
