import { beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorAnnotations, runStep } from '../helpers/action.js';
import { helloWorkspace, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/*
 * A user's Dockerfile that runs a program of the target platform, on the local builder, which
 * lists linux/amd64 (and 386) only: no emulators are registered on this machine. The run must stop
 * before the build, naming what is missing. The base image is in the local registry (and absent):
 * a build that went ahead would fail on the pull, never reach a public registry.
 */

let s: Stack;
let workspace: string;

beforeAll(async () => {
  s = stack();
  workspace = await helloWorkspace();
  await fs.writeFile(
    path.join(workspace, 'examples/hello/Dockerfile.run'),
    [`FROM ${s.registry}/emulation/absent:1 AS tools`, 'RUN echo needs the target platform > /note', 'FROM scratch', 'COPY --from=tools /note /note', ''].join('\n'),
  );
});

const inputs = (extra: Record<string, string> = {}) => ({
  image: uniqueRepository(s, 'emulation'),
  'working-directory': 'examples/hello',
  builder: s.builder,
  dockerfile: 'Dockerfile.run',
  platforms: 'linux/amd64,linux/arm64',
  ...extra,
});

describe('a Dockerfile whose RUN needs a platform the builder cannot run', () => {
  it('fails before the build, naming the platform and the step to add', async () => {
    const run = await runStep('main', { workspace, inputs: inputs(), env: s.env });
    expect(run.exitCode).not.toBe(0);
    const errors = errorAnnotations(run).join('\n');
    expect(errors).toContain('the builder cannot run linux/arm64 (it lists linux/amd64');
    expect(errors).toContain('Add docker/setup-qemu-action before this step');
    expect(errors).toContain('setup-qemu: auto');
    expect(run.stdout).not.toContain('Building the image with buildx');
  }, 300_000);

  it('with setup-qemu: auto and no Docker daemon, fails naming the daemon it needs', async () => {
    // DOCKER_HOST points nowhere: docker run cannot reach a daemon (nor, through one, Docker Hub).
    const run = await runStep('main', { workspace, inputs: inputs({ 'setup-qemu': 'auto' }), env: { ...s.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain('registering QEMU emulators (setup-qemu: auto)');
    const errors = errorAnnotations(run).join('\n');
    expect(errors).toContain('setup-qemu: auto could not register the QEMU emulators for linux/arm64');
    expect(errors).toMatch(/Cannot connect to the Docker daemon/);
    expect(errors).toContain('It needs a Docker daemon');
    expect(run.stdout).not.toContain('Building the image with buildx');
  }, 300_000);

  it('builds nothing for the target platform without a RUN: no emulator asked for', async () => {
    await fs.writeFile(path.join(workspace, 'examples/hello/Dockerfile.copy'), ['FROM scratch', 'COPY go.mod /go.mod', ''].join('\n'));
    const run = await runStep('main', { workspace, inputs: inputs({ dockerfile: 'Dockerfile.copy' }), env: s.env });
    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
  }, 300_000);
});
