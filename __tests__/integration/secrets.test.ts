import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { writePullRequestEvent } from '../fixtures/pull-request-event.js';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { GitHubApiDouble } from '../helpers/github-api.js';
import { startRegistry, type ExtraRegistry } from '../helpers/registry-faults.js';
import { helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/**
 * The whole pipeline with known secret values: a registry password in a docker config (for a
 * registry behind htpasswd Basic auth that the action pushes to and reads sizes from), the
 * github-token, a build secret; then every place the run writes is scanned for them. The runner
 * hides a value once it has seen `::add-mask::<value>`, so those lines are the only ones allowed to
 * hold a secret, and every secret must have one.
 */

const actionInputs = Object.keys((parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as { inputs: Record<string, unknown> }).inputs);

describe('no secret in anything the run writes', () => {
  const username = 'gsi-pusher';
  const password = `gsiPw-${randomBytes(12).toString('hex')}`;
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  const token = `ghs_${randomBytes(18).toString('hex')}`;
  const buildSecret = `npm_${randomBytes(16).toString('hex')}`;
  // Not a secret to mask, but a value the provenance must not carry (only the build arg's name).
  const buildArgValue = `arg_${randomBytes(16).toString('hex')}`;
  let s: Stack;
  let registry: ExtraRegistry;
  let api: GitHubApiDouble;
  let workspace: string;
  let dockerConfig: string;
  let run: ActionRun;
  let image: string;

  beforeAll(async () => {
    s = stack();
    registry = await startRegistry({ login: { username, password } });
    api = await new GitHubApiDouble().start();
    workspace = await helloWorkspace();
    // A docker config as docker/login-action leaves it; buildx keeps finding its plugin and builders.
    dockerConfig = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-docker-config-'));
    await fs.writeFile(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.address]: { auth } } }));
    await fs.symlink(path.join(os.homedir(), '.docker', 'cli-plugins'), path.join(dockerConfig, 'cli-plugins'));
    image = `${registry.address}/acme/secret-app`;
    const { env: event } = await writePullRequestEvent({ number: 7 });
    run = await runStep('main', {
      workspace,
      inputs: {
        image,
        'working-directory': 'examples/hello',
        builder: s.builder,
        // The layer cache stays on the shared (anonymous) registry: BuildKit's own pushes are not under test.
        'cache-ref': `${uniqueRepository(s, 'secret-cache')}:buildcache`,
        'github-token': token,
        ...(actionInputs.includes('secrets') ? { secrets: `npm_token=${buildSecret}` } : {}),
        'build-args': `RELEASE_NOTE=${buildArgValue}`,
      },
      env: { ...s.env, ...event, GITHUB_API_URL: api.url, DOCKER_CONFIG: dockerConfig, BUILDX_CONFIG: path.join(os.homedir(), '.docker', 'buildx') },
    });
  }, 300_000);

  afterAll(async () => {
    await api.stop();
    await registry.remove();
    await fs.rm(dockerConfig, { recursive: true, force: true });
    await fs.rm(workspace, { recursive: true, force: true });
  });

  const secrets = () => ({
    'registry password': password,
    'docker config auth (base64 user:password)': auth,
    'github-token': token,
    ...(actionInputs.includes('secrets') ? { 'build secret': buildSecret } : {}),
  });

  it('pushes to the Basic-auth registry and reads the sizes back with the docker config login', () => {
    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(Number(run.outputs.size)).toBeGreaterThan(0);
    const craneBin = path.join(s.toolsBin, 'crane');
    const withLogin = spawnSync(craneBin, ['digest', `${image}:pr-7`, '--insecure'], { encoding: 'utf8', env: { ...process.env, DOCKER_CONFIG: dockerConfig } });
    expect(withLogin.stdout.trim()).toBe(run.outputs.digest);
    const anonymous = spawnSync(craneBin, ['digest', `${image}:pr-7`, '--insecure'], { encoding: 'utf8', env: { ...process.env, DOCKER_CONFIG: path.join(dockerConfig, 'none') } });
    expect(anonymous.status).not.toBe(0);
    expect(anonymous.stderr).toMatch(/UNAUTHORIZED|401/);
    expect(api.commentsOn('acme', 'hello', 7)).toHaveLength(1);
  });

  it('masks every secret with ::add-mask::', () => {
    const lines = run.stdout.split('\n');
    for (const [what, value] of Object.entries(secrets())) {
      const mask = lines.findIndex((line) => line === `::add-mask::${value}`);
      expect([what, mask >= 0]).toEqual([what, true]);
    }
  });

  it('writes no secret to stdout, stderr, the job summary, the outputs or the PR comment', async () => {
    const captured: Record<string, string> = {
      stdout: run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n'),
      stderr: run.stderr,
      summary: run.summary,
      'outputs file': await fs.readFile(path.join(run.files.dir, 'output-main'), 'utf8'),
      'state file': await fs.readFile(run.files.state, 'utf8'),
      'PR comment': api.comments.map((c) => c.body).join('\n'),
    };
    expect(captured['PR comment']).toContain('go-slim-image');
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(captured)) {
      for (const [what, value] of Object.entries(secrets())) if (text.includes(value)) leaks.push(`${what} in ${where}`);
    }
    expect(leaks).toEqual([]);
  });

  it('attaches SBOM and provenance that hold no secret and no build-arg value, raw, base64 or hex', () => {
    const entries = JSON.parse(run.outputs.attestations ?? '[]') as { kind: string; digest: string }[];
    expect(entries.map((e) => e.kind).sort()).toEqual(['provenance', 'sbom']);
    const craneBin = path.join(s.toolsBin, 'crane');
    const withLogin = { ...process.env, DOCKER_CONFIG: dockerConfig };
    const read = (...args: string[]) => spawnSync(craneBin, [...args, '--insecure'], { encoding: 'utf8', env: withLogin, maxBuffer: 64 * 1024 * 1024 }).stdout;
    const leaks: string[] = [];
    for (const entry of entries) {
      const manifest = read('manifest', `${image}@${entry.digest}`);
      const blob = read('blob', `${image}@${(JSON.parse(manifest) as { layers: { digest: string }[] }).layers[0]!.digest}`);
      expect(blob.length).toBeGreaterThan(100);
      for (const [what, value] of Object.entries({ ...secrets(), 'build-arg value': buildArgValue })) {
        for (const [encoding, encoded] of Object.entries({ raw: value, base64: Buffer.from(value).toString('base64'), hex: Buffer.from(value).toString('hex') })) {
          if (manifest.includes(encoded) || blob.includes(encoded)) leaks.push(`${what} (${encoding}) in the ${entry.kind}`);
        }
      }
    }
    expect(leaks).toEqual([]);
    expect(read('blob', `${image}@${JSON.parse(read('manifest', `${image}@${entries.find((e) => e.kind === 'provenance')!.digest}`)).layers[0].digest}`)).toContain('RELEASE_NOTE');
  });
});
