import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorAnnotations, repoRoot, runStep, spawnNode } from '../helpers/action.js';
import { bareBin } from '../helpers/bare-bin.js';
import { crane, helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/*
 * `output` and engine auto on a machine whose docker CLI has buildx but no daemon (Docker Desktop
 * not started, a CLI-only image): the action and the CLI must build with the direct engine and
 * say why. The action pushes and writes an oci-archive in one build, which skopeo copies into the
 * registry with the digest of the push; the CLI writes a docker-archive that skopeo reads (no
 * daemon here for docker load).
 */

/** `docker` whose buildx plugin is there but whose daemon is down, as the real CLI answers then. */
const FAKE_DOCKER = `#!/bin/sh
if [ "$1 $2" = "buildx version" ]; then echo "github.com/docker/buildx v0.38.2 1a2b3c"; exit 0; fi
echo "ERROR: failed to connect to the docker API at unix:///var/run/docker.sock; check if the path is correct and if the daemon is running: dial unix /var/run/docker.sock: connect: no such file or directory" >&2
exit 1
`;

function skopeo(...args: string[]): string {
  const result = spawnSync('skopeo', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

describe('output and engine auto with a docker CLI whose daemon is down', () => {
  let s: Stack;
  let workspace: string;
  let pathWithDocker: string;

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
    const fakeBin = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-fake-docker-'));
    await fs.writeFile(path.join(fakeBin, 'docker'), FAKE_DOCKER, { mode: 0o755 });
    pathWithDocker = `${fakeBin}:${await bareBin()}`;
  });

  it('the action builds with direct, pushes, and writes an oci-archive skopeo copies with the same digest', async () => {
    const image = uniqueRepository(s, 'output-oci');
    const run = await runStep('main', {
      workspace,
      inputs: { image, 'working-directory': 'examples/hello', platforms: 'linux/amd64,linux/arm64', cache: 'false', push: 'true', output: 'oci-archive:out/hello.tar', tags: `${image}:pushed` },
      env: { PATH: pathWithDocker, BUILDKIT_HOST: undefined, DOCKER_HOST: undefined },
    });
    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/Engine: direct \(auto: the inputs need no BuildKit, no builder or buildkit-endpoint is given, and no buildx builder answers here\)/);
    expect(run.stdout).toContain('Writing the image to oci-archive:');
    const digest = run.outputs.digest!;
    expect(crane(s, 'digest', `${image}:pushed`).trim()).toBe(digest);

    const archive = path.join(workspace, 'examples/hello/out/hello.tar');
    const copied = uniqueRepository(s, 'output-copied');
    skopeo('copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci-archive:${archive}`, `docker://${copied}:copied`);
    expect(crane(s, 'digest', `${copied}:copied`).trim()).toBe(digest);

    // The generated Dockerfile stays written and shown: it is the image the direct engine builds.
    expect(await fs.readFile(run.outputs.dockerfile!, 'utf8')).toMatch(/^FROM scratch/m);
    expect(run.summary).toMatch(/<details><summary>Generated Dockerfile[^]*```dockerfile\n[^]*FROM scratch[^]*<\/details>/);
  }, 600_000);

  it('the CLI builds with direct and writes a docker-archive, without pushing (output set, push not)', async () => {
    const image = uniqueRepository(s, 'output-docker');
    const module = path.join(workspace, 'examples/hello');
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(INPUT_|GITHUB_|RUNNER_|STATE_|ACTIONS_)|^(NODE_OPTIONS|CI)$/.test(key))), PATH: pathWithDocker };
    const run = await spawnNode(path.join(repoRoot, 'dist/cli/index.js'), env, module, ['--image', image, '--output', 'docker-archive:hello-docker.tar', '--json']);
    expect(run.stderr).toMatch(/Engine: direct \(auto: .*no buildx builder answers here\)/);
    expect(run.stderr).toMatch(/output writes the image to docker-archive:.*so push defaults to false/);
    expect(run.exitCode).toBe(0);
    const inspected = JSON.parse(skopeo('inspect', `docker-archive:${path.join(module, 'hello-docker.tar')}`)) as { Architecture: string; Os: string; Layers: string[]; RepoTags: string[] };
    expect(inspected).toMatchObject({ Architecture: 'amd64', Os: 'linux' });
    expect(inspected.Layers).toHaveLength(2);
    // Not pushed: the repository has no tag.
    expect(() => crane(s, 'digest', `${image}:latest`)).toThrow();
    // The manifest the docker-archive carries names the run's tag.
    const listing = execFileSync('tar', ['-xOf', path.join(module, 'hello-docker.tar'), 'manifest.json'], { encoding: 'utf8' });
    expect(JSON.parse(listing)).toEqual([expect.objectContaining({ RepoTags: [`${image}:latest`] })]);
  }, 600_000);
});
