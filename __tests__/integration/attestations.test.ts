import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBuildInfo } from '../../src/go/buildinfo.js';
import { readElfSections, sectionBytes } from '../../src/go/elf-sections.js';
import { serializeSpdx, spdxDocument } from '../../src/attest/spdx.js';
import { errorAnnotations, runStep, type ActionRun } from '../helpers/action.js';
import { craneJson, helloWorkspace, imageFile, stack, uniqueRepository, type Stack } from '../helpers/stack.js';

/*
 * SBOM and provenance as OCI referrers, read back by an independent client (oras discover):
 * through the referrers tag schema on Debian's registry (no referrers API), and through the
 * referrers API on go-containerregistry's registry. One build per engine, shared by the assertions.
 */

const PLATFORMS = 'linux/amd64,linux/arm64';
const SPDX = 'application/spdx+json';
const IN_TOTO = 'application/vnd.in-toto+json';
// Values that must never reach an attached blob, in any encoding.
const BUILD_ARG_VALUE = 'buildarg-value-7c1e5a';
const SECRET_VALUE = 'secret-value-9f3a2b';

interface Referrer {
  digest: string;
  artifactType: string;
}

interface Entry {
  kind: string;
  digest: string;
  subject: string;
  artifactType: string;
  signed: boolean;
  platform?: string;
}

describe('attestations: SBOM per platform and provenance of the image, as OCI referrers', () => {
  let s: Stack;
  let workspace: string;
  let goCaches: Record<string, string>;
  let oras: string;

  beforeAll(async () => {
    s = stack();
    workspace = await helloWorkspace();
    oras = path.join(s.toolsBin, 'oras');
    const caches = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-attest-go-'));
    goCaches = { GOCACHE: path.join(caches, 'build'), GOMODCACHE: path.join(caches, 'mod') };
  });

  const inputs = (repository: string, extra: Record<string, string> = {}): Record<string, string> => ({
    image: repository,
    'working-directory': 'examples/hello',
    platforms: PLATFORMS,
    cache: 'false',
    'cache-backend': 'none',
    'ca-certificates': 'true',
    'timezone-data': 'true',
    tags: `${repository}:t`,
    ...extra,
  });
  const run = (engine: 'buildx' | 'direct', values: Record<string, string>) =>
    runStep('main', { workspace, inputs: { ...values, engine, ...(engine === 'buildx' ? { builder: s.builder } : {}) }, env: { ...s.env, ...goCaches } });

  function expectOk(result: ActionRun): void {
    expect(errorAnnotations(result)).toEqual([]);
    expect(result.exitCode).toBe(0);
  }

  /** oras discover: what an independent client sees attached to a manifest. */
  const discover = (ref: string): Referrer[] => {
    const out = execFileSync(oras, ['discover', '--plain-http', '--format', 'json', ref], { encoding: 'utf8' });
    const parsed = JSON.parse(out) as { referrers?: Referrer[]; manifests?: Referrer[] };
    return parsed.referrers ?? parsed.manifests ?? [];
  };
  const platformManifests = (ref: string) =>
    craneJson<{ manifests: { digest: string; platform: { os: string; architecture: string } }[] }>(s, 'manifest', ref).manifests.map((m) => ({
      digest: m.digest,
      platform: `${m.platform.os}/${m.platform.architecture}`,
    }));
  /** The artifact's single layer, via oras. */
  const artifactBlob = async (repository: string, digest: string): Promise<Buffer> => {
    const manifest = JSON.parse(execFileSync(oras, ['manifest', 'fetch', '--plain-http', `${repository}@${digest}`], { encoding: 'utf8' })) as { layers: { digest: string }[] };
    return execFileSync(oras, ['blob', 'fetch', '--plain-http', '--output', '-', `${repository}@${manifest.layers[0]!.digest}`], { maxBuffer: 64 * 1024 * 1024 });
  };
  const entriesOf = (result: ActionRun) => JSON.parse(result.outputs.attestations ?? '[]') as Entry[];

  describe("on Debian's registry (referrers tag schema)", () => {
    let viaBuildx: ActionRun;
    let viaDirect: ActionRun;
    let withoutAttestations: ActionRun;
    let buildxRepo: string;
    let directRepo: string;

    beforeAll(async () => {
      buildxRepo = uniqueRepository(s, 'attest-buildx');
      directRepo = uniqueRepository(s, 'attest-direct');
      const secrets = { 'build-args': `VERSION_NOTE=${BUILD_ARG_VALUE}`, secrets: `token=${SECRET_VALUE}` };
      viaBuildx = await run('buildx', inputs(buildxRepo, secrets));
      viaDirect = await run('direct', inputs(directRepo));
      withoutAttestations = await run('direct', inputs(uniqueRepository(s, 'attest-off'), { sbom: 'false', provenance: 'false' }));
    }, 900_000);

    it('the index holds exactly the two platform images, whose digest attestations do not change', () => {
      for (const result of [viaBuildx, viaDirect, withoutAttestations]) expectOk(result);
      expect(viaDirect.outputs.digest).toBe(viaBuildx.outputs.digest);
      expect(withoutAttestations.outputs.digest).toBe(viaBuildx.outputs.digest);
      expect(platformManifests(`${buildxRepo}:t`).map((m) => m.platform)).toEqual(['linux/amd64', 'linux/arm64']);
      expect(withoutAttestations.outputs.attestations).toBeUndefined();
      expect(withoutAttestations.outputs['sbom-files']).toBeUndefined();
    });

    it('oras discover lists an SPDX SBOM on each platform image and a provenance statement on the index', () => {
      for (const repository of [buildxRepo, directRepo]) {
        for (const platform of platformManifests(`${repository}:t`)) {
          expect(discover(`${repository}@${platform.digest}`).map((r) => r.artifactType)).toEqual([SPDX]);
        }
        expect(discover(`${repository}@${viaBuildx.outputs.digest}`).map((r) => r.artifactType)).toEqual([IN_TOTO]);
      }
      expect(viaBuildx.summary).toMatch(/Attestations: SBOM \(SPDX 2\.3\) for linux\/amd64, linux\/arm64 and provenance \(SLSA v1\), attached as OCI referrers \(referrers tag schema\), unsigned/);
    });

    it('both engines attach byte-identical SBOMs, written to the sbom-files paths', async () => {
      const sbomsOf = (result: ActionRun) => entriesOf(result).filter((e) => e.kind === 'sbom');
      expect(sbomsOf(viaDirect).map((e) => e.digest)).toEqual(sbomsOf(viaBuildx).map((e) => e.digest));
      const buildxFiles = viaBuildx.outputs['sbom-files']!.split('\n');
      const directFiles = viaDirect.outputs['sbom-files']!.split('\n');
      expect(buildxFiles.map((f) => path.basename(f))).toEqual(['linux-amd64.spdx.json', 'linux-arm64.spdx.json']);
      for (let i = 0; i < buildxFiles.length; i++) {
        const bytes = await fs.readFile(buildxFiles[i]!);
        expect(bytes.equals(await fs.readFile(directFiles[i]!))).toBe(true);
        expect(bytes.equals(await artifactBlob(buildxRepo, sbomsOf(viaBuildx)[i]!.digest))).toBe(true);
      }
    });

    it("the SBOM validates with pyspdxtools and lists exactly the modules `go version -m` prints for the image's binary", async () => {
      const file = viaBuildx.outputs['sbom-files']!.split('\n')[0]!;
      const pyspdxtools = path.join(s.toolsBin, 'pyspdxtools');
      execFileSync(pyspdxtools, ['-i', file], { encoding: 'utf8' });
      const sbom = JSON.parse(await fs.readFile(file, 'utf8')) as { packages: { name: string; versionInfo?: string; externalRefs?: { referenceLocator: string }[] }[] };
      const golang = sbom.packages.filter((p) => p.externalRefs?.some((r) => r.referenceLocator.startsWith('pkg:golang/')) && p.name !== 'stdlib');
      const binary = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-attest-bin-')), 'hello');
      await fs.writeFile(binary, imageFile(s, `${buildxRepo}:t`, 'usr/local/bin/hello', 'linux/amd64'));
      const listed = execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' })
        .split('\n')
        .map((line) => line.trim().split('\t'))
        .filter(([key]) => key === 'mod' || key === 'dep')
        .map(([, module, version]) => `${module} ${version}`);
      expect(golang.map((p) => `${p.name} ${p.versionInfo}`)).toEqual(listed);
      expect(sbom.packages.map((p) => p.name)).toEqual(expect.arrayContaining(['ca-certificates', 'zoneinfo.zip', 'stdlib']));
    });

    it('the provenance names the workflow run and the inputs, and no attached blob holds a build-arg or secret value', async () => {
      const provenance = entriesOf(viaBuildx).find((e) => e.kind === 'provenance')!;
      const statement = JSON.parse((await artifactBlob(buildxRepo, provenance.digest)).toString('utf8'));
      expect(statement._type).toBe('https://in-toto.io/Statement/v1');
      expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
      expect(statement.subject.map((x: { digest: { sha256: string } }) => `sha256:${x.digest.sha256}`)).toEqual([viaBuildx.outputs.digest, ...platformManifests(`${buildxRepo}:t`).map((m) => m.digest)]);
      expect(statement.predicate.buildDefinition.externalParameters).toMatchObject({ platforms: ['linux/amd64', 'linux/arm64'], buildArgNames: ['VERSION_NOTE'], secretIds: ['token'] });
      expect(statement.predicate.runDetails.metadata.invocationId).toBe('https://github.com/acme/hello/actions/runs/1000001/attempts/1');
      for (const entry of entriesOf(viaBuildx)) {
        const blob = await artifactBlob(buildxRepo, entry.digest);
        const text = blob.toString('utf8');
        for (const value of [BUILD_ARG_VALUE, SECRET_VALUE]) {
          for (const encoded of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')]) expect(text).not.toContain(encoded);
        }
      }
    });

    it('a rerun adds nothing twice: same artifacts, each listed once', async () => {
      const again = await run('direct', inputs(directRepo));
      expectOk(again);
      expect(entriesOf(again).map((e) => e.digest)).toEqual(entriesOf(viaDirect).map((e) => e.digest));
      for (const platform of platformManifests(`${directRepo}:t`)) expect(discover(`${directRepo}@${platform.digest}`)).toHaveLength(1);
      expect(discover(`${directRepo}@${viaDirect.outputs.digest}`)).toHaveLength(1);
    }, 300_000);
  });

  it('on a module with dependencies (the pinned oras binary: oras.land/oras v1.3.6 and its modules), the SBOM validates and lists what `go version -m` prints', async () => {
    const binaryPath = path.join(s.toolsBin, 'oras');
    const binary = await fs.readFile(binaryPath);
    const buildInfo = readBuildInfo(sectionBytes(binary, readElfSections(binary), '.go.buildinfo')!);
    const document = spdxDocument({ platform: 'linux/amd64', manifestDigest: `sha256:${'0'.repeat(64)}`, created: '2026-12-06T00:00:00Z', imageName: 'oras', tool: 'go-slim-image-test', binary: { path: '/usr/local/bin/oras', sha256: '1'.repeat(64), buildInfo } });
    const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-attest-deps-')), 'deps.spdx.json');
    await fs.writeFile(file, serializeSpdx(document));
    execFileSync(path.join(s.toolsBin, 'pyspdxtools'), ['-i', file], { encoding: 'utf8' });
    const listed = execFileSync('go', ['version', '-m', binaryPath], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split('\t'))
      .filter(([key]) => key === 'mod' || key === 'dep')
      .map(([, module, version]) => `${module} ${version}`);
    expect(listed.length).toBeGreaterThan(5);
    const golang = document.packages.filter((p) => p.externalRefs?.some((r) => r.referenceLocator.startsWith('pkg:golang/')) && p.name !== 'stdlib');
    expect(golang.map((p) => `${p.name} ${p.versionInfo}`)).toEqual(listed);
  }, 120_000);

  describe('on a registry with the referrers API (go-containerregistry)', () => {
    let registry: ChildProcess;
    let address: string;

    beforeAll(async () => {
      registry = spawn(path.join(s.toolsBin, 'referrers-registry'), ['-addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'ignore'] });
      address = await new Promise<string>((resolve, reject) => {
        registry.once('error', reject);
        registry.stdout!.once('data', (data: Buffer) => resolve(data.toString('utf8').trim()));
      });
    });

    afterAll(() => {
      registry?.kill();
    });

    it('attaches through the API, no sha256-<hex> tag, and oras discover lists the same artifacts', async () => {
      const repository = `${address}/acme/attest-api`;
      const result = await run('direct', inputs(repository));
      expectOk(result);
      expect(result.summary).toMatch(/attached as OCI referrers \(referrers API\)/);
      const tags = execFileSync(path.join(s.toolsBin, 'crane'), ['ls', '--insecure', repository], { encoding: 'utf8' }).split('\n').filter(Boolean);
      expect(tags.filter((t) => t.startsWith('sha256-'))).toEqual([]);
      // go-containerregistry 0.22 reports the config's media type as artifactType in its referrers
      // index (not the manifest's artifactType), so the listed digests are compared, and the artifact's own type read.
      const entries = entriesOf(result);
      for (const platform of platformManifests(`${repository}:t`)) {
        const listed = discover(`${repository}@${platform.digest}`).map((r) => r.digest);
        expect(listed).toEqual(entries.filter((e) => e.kind === 'sbom' && e.subject === platform.digest).map((e) => e.digest));
        const manifest = JSON.parse(execFileSync(oras, ['manifest', 'fetch', '--plain-http', `${repository}@${listed[0]}`], { encoding: 'utf8' }));
        expect(manifest.artifactType).toBe(SPDX);
      }
      expect(discover(`${repository}@${result.outputs.digest}`).map((r) => r.digest)).toEqual(entries.filter((e) => e.kind === 'provenance').map((e) => e.digest));
    }, 300_000);
  });
});
