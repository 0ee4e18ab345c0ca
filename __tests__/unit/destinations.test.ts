import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config.js';
import { dockerArchiveFiles, fileDestination, ociLayoutFiles, writeTarFile } from '../../src/destination/files.js';
import { InputError } from '../../src/errors.js';
import { readOciImage } from '../../src/image/oci-layout.js';
import { planBuild } from '../../src/plan.js';
import { contexts } from '../fixtures/run-context.js';
import { daemonDestination } from '../../src/destination/daemon.js';
import { MemoryRegistry, recordingExec, tarOf, writeOciLayout } from '../helpers/fake-tools.js';

const workspace = mkdtempSync(path.join(os.tmpdir(), 'gsi-dest-'));
const configFrom = (inputs: Record<string, string>) => parseConfig((name) => ({ image: '127.0.0.1:5000/acme/hello', ...inputs })[name] ?? '', workspace);

describe('the output input', () => {
  it.each([
    ['oci:out', { kind: 'oci', path: path.join(workspace, 'out') }],
    ['oci-archive:image.tar', { kind: 'oci-archive', path: path.join(workspace, 'image.tar') }],
    ['docker-archive:/tmp/x/image.tar', { kind: 'docker-archive', path: '/tmp/x/image.tar' }],
  ])('%s', (value, output) => {
    expect(configFrom({ output: value }).output).toEqual(output);
  });

  it.each([
    ['tar:image.tar', {}],
    ['oci', {}],
    ['oci-archive:', {}],
  ])('refuses %s, naming the input, the value and the accepted forms', (value, inputs) => {
    const error = (() => {
      try {
        configFrom({ output: value, ...inputs });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      `Input 'output' has an invalid value ${JSON.stringify(value)}: expected oci:DIR (an OCI layout folder), oci-archive:FILE.tar (that layout as a tar) or docker-archive:FILE.tar (docker save format, one platform).`,
    );
  });

  it('refuses a docker-archive of several platforms (it holds one image)', () => {
    expect(() => configFrom({ output: 'docker-archive:i.tar', platforms: 'linux/amd64,linux/arm64' })).toThrow(/Input 'output' .*expected oci:DIR or oci-archive:FILE.tar for several platforms \(linux\/amd64, linux\/arm64\)/);
  });

  it('plans the destinations: output alone does not push, push: true pushes too; layers are reused only when the registry is the only destination', () => {
    const facts = { run: contexts.defaultBranch(), publishedTags: [], engine: { ownsLayerBytes: false } };
    const alone = planBuild(configFrom({ output: 'oci:out' }), facts);
    expect(alone.publish.push).toBe(false);
    expect(alone.publish.notes).toContainEqual(expect.stringMatching(/output writes the image to oci:.*out, so push defaults to false/));
    expect(alone.destinations).toEqual([{ kind: 'oci', path: path.join(workspace, 'out'), tags: ['127.0.0.1:5000/acme/hello:main', '127.0.0.1:5000/acme/hello:sha-9a8b7c6'] }]);
    expect(alone.reuseLayers).toBe(false);
    const both = planBuild(configFrom({ output: 'oci:out', push: 'true', load: 'true' }), facts);
    expect(both.destinations.map((d) => d.kind)).toEqual(['registry', 'daemon', 'oci']);
    expect(planBuild(configFrom({}), facts)).toMatchObject({ destinations: [{ kind: 'registry' }], reuseLayers: true });
  });
});

describe('file destinations', () => {
  async function layout(platforms: { os: string; arch: string }[]) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-dest-layout-'));
    await writeOciLayout(dir, platforms, (p) => tarOf({ [`usr/local/bin/hello-${p.arch}`]: Buffer.from(`binary ${p.arch}`) }));
    return readOciImage(dir);
  }

  it('writes the same oci-archive bytes every time, a layout skopeo and docker read (oci-layout, index.json, sorted blobs)', async () => {
    const image = await layout([{ os: 'linux', arch: 'amd64' }, { os: 'linux', arch: 'arm64' }]);
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-dest-out-'));
    await writeTarFile(path.join(out, 'a.tar'), await ociLayoutFiles(image, new MemoryRegistry()));
    await writeTarFile(path.join(out, 'b.tar'), await ociLayoutFiles(image, new MemoryRegistry()));
    const [a, b] = await Promise.all([fs.readFile(path.join(out, 'a.tar')), fs.readFile(path.join(out, 'b.tar'))]);
    expect(a.equals(b)).toBe(true);
    const names = execFileSync('tar', ['-tvf', path.join(out, 'a.tar')], { encoding: 'utf8' }).trim().split('\n');
    expect(names[0]).toMatch(/^-rw-r--r-- 0\/0 .* 1970-01-01 00:00 oci-layout$/);
    expect(names.map((line) => line.split(' ').at(-1))).toEqual(['oci-layout', 'index.json', 'blobs/', 'blobs/sha256/', ...names.slice(4).map((l) => l.split(' ').at(-1)!).sort()]);
    expect(names).toHaveLength(4 + 7);
    const index = JSON.parse(execFileSync('tar', ['-xOf', path.join(out, 'a.tar'), 'index.json'], { encoding: 'utf8' })) as { manifests: { digest: string }[] };
    expect(index.manifests).toEqual([expect.objectContaining({ digest: image.root.digest })]);
  });

  it('writes a docker-archive: the config, each layer as an uncompressed tar by diff_id, manifest.json with the tags', async () => {
    const image = await layout([{ os: 'linux', arch: 'amd64' }]);
    const files = await dockerArchiveFiles(image, ['127.0.0.1:5000/acme/hello:main'], new MemoryRegistry());
    const manifest = JSON.parse((await files.at(-1)!.read()).toString('utf8')) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    expect(manifest).toEqual([{ Config: expect.stringMatching(/^[a-f0-9]{64}\.json$/), RepoTags: ['127.0.0.1:5000/acme/hello:main'], Layers: [expect.stringMatching(/^[a-f0-9]{64}\/layer\.tar$/)] }]);
    expect(files.map((f) => f.name)).toEqual([manifest[0]!.Config, manifest[0]!.Layers[0], 'manifest.json']);
  });

  it('writes an OCI layout folder, keeping blobs already there', async () => {
    const image = await layout([{ os: 'linux', arch: 'amd64' }]);
    const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-dest-oci-')), 'oci');
    const lines: string[] = [];
    await fileDestination('oci', out, [], new MemoryRegistry()).send(image, (line) => lines.push(line));
    expect((await readOciImage(out)).root.digest).toBe(image.root.digest);
    expect(lines).toEqual([`Wrote ${image.root.digest} to oci:${out}`]);
  });
});

describe('the Docker daemon destination', () => {
  it('loads the image by digest and tags it only when asked (after the size gate)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-dest-daemon-'));
    await writeOciLayout(path.join(dir, 'oci'), [{ os: 'linux', arch: 'amd64' }], () => tarOf({ 'usr/local/bin/hello': Buffer.from('x') }));
    const image = await readOciImage(path.join(dir, 'oci'));
    const { exec, calls } = recordingExec([({ command, args }) => (command === 'docker' && args[0] === 'load' ? 'Loaded image ID: sha256:abc\n' : command === 'docker' ? '' : undefined)]);
    const daemon = daemonDestination(['127.0.0.1:5000/acme/hello:main'], { exec, registry: new MemoryRegistry(), workDir: dir });
    const lines: string[] = [];
    await daemon.send(image, (line) => lines.push(line));
    expect(calls.map((c) => c.args.join(' '))).toEqual([`load --input ${path.join(dir, 'image.tar')}`]);
    await daemon.tag(image, (line) => lines.push(line));
    expect(calls.map((c) => c.args.join(' '))).toEqual([`load --input ${path.join(dir, 'image.tar')}`, 'tag sha256:abc 127.0.0.1:5000/acme/hello:main']);
    expect(lines).toEqual(['Loaded sha256:abc into Docker', 'Tagged sha256:abc in Docker as 127.0.0.1:5000/acme/hello:main']);
  });
});
