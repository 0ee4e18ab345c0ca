import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { CA_BUNDLE_PEM, CA_BUNDLE_SOURCE } from '../../src/image/ca-bundle.generated.js';
import { craneJson, helloWorkspace, imageFile, imageFiles, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

interface Index {
  mediaType: string;
  manifests: { digest: string; platform: { os: string; architecture: string; variant?: string } }[];
}
interface Manifest {
  config: { size: number };
  layers: { size: number }[];
}

const platforms = ['linux/amd64', 'linux/arm64', 'linux/arm/v7'];
/** What `readelf -h` (binutils, an independent reader) calls each platform's machine. */
const readelfMachine: Record<string, string> = {
  'linux/amd64': 'Advanced Micro Devices X86-64',
  'linux/arm64': 'AArch64',
  'linux/arm/v7': 'ARM',
};

/** GNU gzip, the reference the size floor is measured with (-n: no name or time stamp). */
function gzip9(data: Buffer): number {
  return execFileSync('gzip', ['-9', '-n', '-c'], { input: data, maxBuffer: 256 * 1024 * 1024 }).length;
}

function readelfHeader(binary: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gsi-elf-'));
  writeFileSync(path.join(dir, 'bin'), binary);
  const header = execFileSync('readelf', ['-h', path.join(dir, 'bin')], { encoding: 'utf8' });
  rmSync(dir, { recursive: true });
  return header;
}

describe('three platforms in one run', () => {
  let s: Stack;
  let image: string;
  let run: ActionRun;
  let started: number;
  const inputs = () => ({ image, 'working-directory': 'examples/hello', builder: s.builder, platforms: platforms.join(','), expose: '8080' });

  beforeAll(async () => {
    s = stack();
    image = uniqueRepository(s, 'hello-multi');
    started = Date.now();
    run = await runStep('main', { workspace: await helloWorkspace(), inputs: inputs(), env: s.env });
    console.log(`three-platform build of examples/hello: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 600_000);

  it('pushes an index with exactly the three platforms', () => {
    expect(errorAnnotations(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    const index = craneJson<Index>(s, 'manifest', run.outputs['image-ref']!);
    expect(index.manifests.map((m) => [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/')).sort()).toEqual([...platforms].sort());
  });

  it.each(platforms)('%s: right ELF machine, static, runs as 65532, holds only the binary and rootfs files', (platform) => {
    const ref = run.outputs['image-ref']!;
    const config = craneJson<{ config: { User: string; ExposedPorts?: Record<string, object>; Labels: Record<string, string> } }>(s, 'config', ref, '--platform', platform);
    expect(config.config.User).toBe('65532:65532');
    expect(Object.keys(config.config.ExposedPorts ?? {})).toEqual(['8080/tcp']);
    expect(config.config.Labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
    const header = readelfHeader(imageFile(s, ref, 'usr/local/bin/hello', platform));
    expect(header).toContain(readelfMachine[platform]);
    expect(header).toMatch(/Type:\s+EXEC/);
    // hello serves HTTP, so it links crypto/x509 and gets the CA bundle; it loads no time zones.
    expect(imageFiles(s, ref, platform).map((f) => f.path).sort()).toEqual(['etc/group', 'etc/passwd', 'etc/ssl/certs/ca-certificates.crt', 'usr/local/bin/hello']);
    // The pinned bundle, not the running Node's root store.
    expect(imageFile(s, ref, 'etc/ssl/certs/ca-certificates.crt', platform).toString('utf8')).toBe(CA_BUNDLE_PEM);
  });

  it('names the CA bundle version in the job summary', () => {
    expect(run.summary).toContain(`CA bundle: ${CA_BUNDLE_SOURCE}`);
  });

  it.each(platforms)('%s: the binary layer is at most 0.97x gzip -9 of the binary; the image at most that + the CA bundle + 4 KiB', (platform) => {
    const ref = run.outputs['image-ref']!;
    const binary = imageFile(s, ref, 'usr/local/bin/hello', platform);
    const floor = gzip9(binary);
    const caBundle = gzip9(Buffer.from(CA_BUNDLE_PEM));
    const manifest = craneJson<Manifest>(s, 'manifest', `${ref.split('@')[0]}@${craneJson<Index>(s, 'manifest', ref).manifests.find((m) => [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/') === platform)!.digest}`);
    const compressed = manifest.config.size + manifest.layers.reduce((sum, l) => sum + l.size, 0);
    const binaryLayer = Math.max(...manifest.layers.map((l) => l.size));
    console.log(`${platform}: binary ${binary.length} B, gzip -9 ${floor} B, binary layer ${binaryLayer} B (${(binaryLayer / floor).toFixed(4)}), CA bundle gz ${caBundle} B, image ${compressed} B, image/gzip(binary) ${(compressed / floor).toFixed(4)}`);
    expect(binaryLayer).toBeLessThanOrEqual(0.97 * floor);
    expect(compressed).toBeLessThanOrEqual(0.97 * floor + caBundle + 4096);
  });

  it('rebuilding the same commit from a clean clone gives the same index digest', async () => {
    const again = await runStep('main', { workspace: await helloWorkspace(), inputs: inputs(), env: s.env });
    expect(again.exitCode).toBe(0);
    expect(again.outputs.digest).toBe(run.outputs.digest);
  }, 600_000);
});
