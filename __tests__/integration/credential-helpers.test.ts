import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { bareBin } from '../helpers/bare-bin.js';
import { startRegistry, type ExtraRegistry } from '../helpers/registry-faults.js';
import { helloWorkspace } from '../helpers/stack.js';

/**
 * Logins kept by a docker credential helper, as Docker Desktop, ECR's and Google's helpers keep
 * them: a real `docker-credential-gsitest` executable speaking the helper protocol (server URL on
 * stdin, {ServerURL, Username, Secret} on stdout), named by `credsStore` or `credHelpers`, in front
 * of an htpasswd-protected docker-registry. The action runs with the direct engine and a PATH of
 * node, go, git and coreutils plus the helper.
 */

const HELPER = `#!/bin/sh
# docker-credential-gsitest: the docker-credential-helpers "get" protocol, answering from files.
[ "$1" = get ] || { echo "unsupported action: $1" >&2; exit 1; }
read -r server
printf '%s\\n' "$server" >> "$GSI_CRED_LOG"
file="$GSI_CRED_STORE/$(printf %s "$server" | tr ':/' '__')"
if [ -f "$file" ]; then cat "$file"; else echo "credentials not found in native keychain"; exit 1; fi
`;

describe('registry logins from docker credential helpers', () => {
  const username = 'gsi-helper-user';
  const password = `gsiPw-${randomBytes(12).toString('hex')}`;
  let registry: ExtraRegistry;
  let workspace: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  /** Stores what the helper answers for the registry, writes the docker config, runs the action. */
  const push = async (repository: string, dockerConfig: object, secret: string): Promise<ActionRun> => {
    const store = path.join(dir, 'store');
    await fs.mkdir(store, { recursive: true });
    await fs.writeFile(path.join(store, registry.address.replace(/[:/]/g, '_')), JSON.stringify({ ServerURL: registry.address, Username: username, Secret: secret }));
    await fs.writeFile(path.join(dir, 'docker', 'config.json'), JSON.stringify(dockerConfig));
    return runStep('main', {
      workspace,
      inputs: { image: `${registry.address}/${repository}`, 'working-directory': 'examples/hello', engine: 'direct', cache: 'false', 'cache-backend': 'none', comment: 'never', 'ca-certificates': 'false' },
      env,
    });
  };

  /** Tags, read with the login (the registry refuses anonymous reads). */
  const tags = async (repository: string): Promise<string[]> => {
    const response = await fetch(`http://${registry.address}/v2/${repository}/tags/list`, { headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } });
    return response.status === 404 ? [] : (((await response.json()) as { tags?: string[] }).tags ?? []);
  };

  const helperCalls = async () => (await fs.readFile(path.join(dir, 'helper.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

  beforeAll(async () => {
    registry = await startRegistry({ login: { username, password } });
    workspace = await helloWorkspace();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-cred-helper-'));
    const helperBin = path.join(dir, 'bin');
    await fs.mkdir(helperBin);
    await fs.mkdir(path.join(dir, 'docker'));
    await fs.writeFile(path.join(helperBin, 'docker-credential-gsitest'), HELPER, { mode: 0o755 });
    env = {
      PATH: `${helperBin}:${await bareBin()}`,
      BUILDKIT_HOST: undefined,
      DOCKER_HOST: undefined,
      DOCKER_CONFIG: path.join(dir, 'docker'),
      GSI_CRED_STORE: path.join(dir, 'store'),
      GSI_CRED_LOG: path.join(dir, 'helper.log'),
    };
  }, 60_000);

  afterAll(async () => {
    await registry?.remove();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    if (workspace) await fs.rm(workspace, { recursive: true, force: true });
  });

  const noSecretIn = (run: ActionRun) => {
    const printed = (run.stdout + run.stderr).split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(printed.join('\n')).not.toContain(password);
    expect(printed.join('\n')).not.toContain(Buffer.from(`${username}:${password}`).toString('base64'));
  };

  it('pushes with the login only in the helper named by credsStore', async () => {
    const run = await push('acme/creds-store', { credsStore: 'gsitest' }, password);
    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(await tags('acme/creds-store')).toContain('main');
    expect(await helperCalls()).toContain(registry.address);
    expect(run.stdout).toContain(`::add-mask::${password}`);
    noSecretIn(run);
  }, 420_000);

  it('pushes with the login only in the helper named by credHelpers (which comes before credsStore)', async () => {
    // The credsStore helper does not exist: credHelpers answers first, so it is never asked.
    const run = await push('acme/cred-helpers', { credsStore: 'not-installed', credHelpers: { [registry.address]: 'gsitest' } }, password);
    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(await tags('acme/cred-helpers')).toContain('main');
    expect(run.stdout).not.toMatch(/docker-credential-not-installed/);
    noSecretIn(run);
  }, 420_000);

  it('a wrong password fails with "login rejected", naming the registry and the helper, and tags nothing', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const run = await push('acme/creds-wrong', { credsStore: 'gsitest' }, wrong);
    expect(run.exitCode).toBe(1);
    const errors = errorAnnotations(run);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`login rejected by ${registry.address}`);
    expect(errors[0]).toContain('with the credential from credsStore: docker-credential-gsitest');
    expect(errors[0]).not.toContain(wrong);
    expect(run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n')).not.toContain(wrong);
    expect(await tags('acme/creds-wrong')).toEqual([]);
  }, 420_000);
});
