import { beforeAll, describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorAnnotations, runStep } from '../helpers/action.js';
import { golangImage } from '../helpers/golang-image.js';
import { craneJson, helloWorkspace, imageFiles, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

interface Index {
  manifests: { platform: { os: string; architecture: string } }[];
}

describe('dockerfile modes and checks', () => {
  let s: Stack;
  let goImage: string;
  let workspace: string;

  beforeAll(async () => {
    s = stack();
    goImage = await golangImage(s);
    workspace = await helloWorkspace();
  }, 600_000);

  it('source mode: a self-contained Dockerfile cross-compiles inside BuildKit and pushes', async () => {
    const image = uniqueRepository(s, 'hello-source');
    const run = await runStep('main', {
      workspace,
      inputs: { image, 'working-directory': 'examples/hello', builder: s.builder, platforms: 'linux/amd64,linux/arm64', 'dockerfile-mode': 'source', 'go-image': goImage },
      env: s.env,
    });
    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`Source mode: BuildKit compiles in ${goImage} on the build platform`);
    const index = craneJson<Index>(s, 'manifest', run.outputs['image-ref']!);
    expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    const files = imageFiles(s, run.outputs['image-ref']!, 'linux/arm64').map((f) => f.path).sort();
    expect(files).toEqual(['etc/group', 'etc/passwd', 'etc/ssl/certs/ca-certificates.crt', 'usr/local/bin/hello']);
    expect(Number(run.outputs.size)).toBeGreaterThan(0);
    // The breakdown by module comes from the binary BuildKit compiled, read out of the exported image.
    expect(run.stdout).not.toContain('could not be attributed');
    expect(run.summary).toContain('Binary by module (linux/amd64');
    expect(run.summary).toContain('| `example.com/hello` |');
  }, 600_000);

  it('dockerfile mode: the user\'s own Dockerfile, with a build secret that appears nowhere', async () => {
    const secret = 's3cr3t-build-value-7f1c';
    const dir = path.join(workspace, 'examples/hello');
    await fs.writeFile(
      path.join(dir, 'Dockerfile.custom'),
      [
        `FROM ${goImage} AS build`,
        'WORKDIR /src',
        'COPY . .',
        'RUN --mount=type=secret,id=token,required=true test -s /run/secrets/token && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -ldflags="-s -w" -o /out/hello .',
        'FROM scratch',
        'COPY --from=build /out/hello /hello',
        'USER 65532:65532',
        'ENTRYPOINT ["/hello"]',
        '',
      ].join('\n'),
    );
    const image = uniqueRepository(s, 'hello-custom');
    const run = await runStep('main', {
      workspace,
      inputs: { image, 'working-directory': 'examples/hello', builder: s.builder, dockerfile: 'Dockerfile.custom', secrets: `token=${secret}` },
      env: s.env,
    });
    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(imageFiles(s, run.outputs['image-ref']!).map((f) => f.path)).toEqual(['hello']);
    const shown = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
    expect(run.stdout).toContain(`::add-mask::${secret}`);
    expect(shown.join('\n') + run.stderr + run.summary + JSON.stringify(run.outputs)).not.toContain(secret);
  }, 600_000);

  it('a binary made dynamic on purpose is rejected, naming the interpreter', async () => {
    const run = await runStep('main', {
      workspace,
      inputs: { image: uniqueRepository(s, 'hello-pie'), 'working-directory': 'examples/hello', builder: s.builder },
      env: { ...s.env, GOFLAGS: '-buildmode=pie' },
    });
    expect(run.exitCode).toBe(1);
    const [error] = errorAnnotations(run);
    expect(error).toMatch(/linux\/amd64 binary cannot go into the image: it is dynamically linked \(interpreter \/lib64\/ld-linux-x86-64\.so\.2/);
    expect(run.stdout).not.toContain('Pushing the image');
  }, 600_000);

  it('zstd layers when asked for', async () => {
    const image = uniqueRepository(s, 'hello-zstd');
    const run = await runStep('main', {
      workspace,
      inputs: { image, 'working-directory': 'examples/hello', builder: s.builder, compression: 'zstd', 'ca-certificates': 'false' },
      env: s.env,
    });
    expect(run.exitCode).toBe(0);
    const manifest = craneJson<{ layers: { mediaType: string }[] }>(s, 'manifest', run.outputs['image-ref']!);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.oci.image.layer.v1.tar+zstd']);
  }, 600_000);
});
