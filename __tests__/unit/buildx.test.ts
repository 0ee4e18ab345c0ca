import { describe, expect, it } from '@jest/globals';
import { buildxBuildArgs, cacheExportErrors, countCachedSteps, parseBuildMetadata, registryErrorHint, type BuildxBuildSpec } from '../../src/image/buildx.js';
import { registryCacheFrom, registryCacheTo } from '../../src/image/cache.js';
import { parseBuildxVersion } from '../../src/image/builder.js';

const digest = `sha256:${'ab'.repeat(32)}`;

const spec: BuildxBuildSpec = {
  contextDir: '/tmp/ctx',
  dockerfile: '/tmp/ctx/Dockerfile',
  namedContexts: {},
  compression: { algorithm: 'gzip', level: 9 },
  compressInBuildKit: false,
  platforms: [{ os: 'linux', arch: 'amd64' }],
  ociDest: '/tmp/oci',
  builder: '',
  cacheFrom: [registryCacheFrom('127.0.0.1:5000/hello:buildcache')],
  cacheTo: registryCacheTo('127.0.0.1:5000/hello:buildcache'),
  metadataFile: '/tmp/meta.json',
  sourceDateEpoch: 1700000000,
  rewriteTimestamp: true,
  buildArgs: {},
  labels: {},
  annotations: [],
  secrets: [],
  target: '',
  provenance: 'false',
  sbom: false,
};

const OUTPUT = 'type=oci,dest=/tmp/oci,tar=false,compression=uncompressed,oci-mediatypes=true,rewrite-timestamp=true,source-date-epoch=946684800';

describe('buildxBuildArgs', () => {
  it.each<[string, Partial<BuildxBuildSpec>, string[]]>([
    [
      'single platform push with registry cache',
      {},
      [
        'buildx', 'build', '--progress', 'plain', '--file', '/tmp/ctx/Dockerfile', '--platform', 'linux/amd64',
        '--output', OUTPUT, '--provenance=false',
        '--build-arg', 'SOURCE_DATE_EPOCH=1700000000',
        '--cache-from', 'type=registry,ref=127.0.0.1:5000/hello:buildcache',
        '--cache-to', 'type=registry,ref=127.0.0.1:5000/hello:buildcache,mode=max,image-manifest=true,oci-mediatypes=true,ignore-error=true,compression=zstd,force-compression=true',
        '--metadata-file', '/tmp/meta.json', '/tmp/ctx',
      ],
    ],
    [
      'zstd layers leave BuildKit uncompressed: the action compresses them',
      { compression: { algorithm: 'zstd', level: 19 }, cacheFrom: [], cacheTo: '' },
      [
        'buildx', 'build', '--progress', 'plain', '--file', '/tmp/ctx/Dockerfile', '--platform', 'linux/amd64',
        '--output', OUTPUT, '--provenance=false', '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', '--metadata-file', '/tmp/meta.json', '/tmp/ctx',
      ],
    ],
    [
      'named builder, two platforms, no cache export, build args sorted',
      {
        builder: 'b1',
        platforms: [{ os: 'linux', arch: 'amd64' }, { os: 'linux', arch: 'arm', variant: 'v7' }],
        cacheTo: '',
        buildArgs: { Z: '1', A: '2' },
      },
      [
        'buildx', 'build', '--builder', 'b1', '--progress', 'plain', '--file', '/tmp/ctx/Dockerfile', '--platform', 'linux/amd64,linux/arm/v7',
        '--output', OUTPUT, '--provenance=false',
        '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', '--build-arg', 'A=2', '--build-arg', 'Z=1',
        '--cache-from', 'type=registry,ref=127.0.0.1:5000/hello:buildcache',
        '--metadata-file', '/tmp/meta.json', '/tmp/ctx',
      ],
    ],
    [
      'zstd layers compressed by BuildKit (attestations) and a named rootfs context',
      { compression: { algorithm: 'zstd', level: 19 }, compressInBuildKit: true, namedContexts: { rootfs: '/tmp/rootfs' }, cacheFrom: [], cacheTo: '' },
      [
        'buildx', 'build', '--progress', 'plain', '--file', '/tmp/ctx/Dockerfile', '--platform', 'linux/amd64',
        '--build-context', 'rootfs=/tmp/rootfs',
        '--output', 'type=oci,dest=/tmp/oci,tar=false,compression=zstd,compression-level=19,force-compression=true,oci-mediatypes=true,rewrite-timestamp=true,source-date-epoch=946684800',
        '--provenance=false', '--build-arg', 'SOURCE_DATE_EPOCH=1700000000', '--metadata-file', '/tmp/meta.json', '/tmp/ctx',
      ],
    ],
    [
      'user Dockerfile: target, labels, annotations, secrets by env and file, attestations compressed by BuildKit at its top gzip level 9',
      {
        compression: { algorithm: 'gzip', level: 12 },
        cacheFrom: [],
        cacheTo: '',
        target: 'runtime',
        labels: { 'org.example.team': 'api' },
        annotations: ['index:org.opencontainers.image.description=API'],
        secrets: [{ id: 'npmrc', env: 'GSI_BUILD_SECRET_0' }, { id: 'key', src: '/w/key.pem' }],
        provenance: 'mode=max',
        sbom: true,
        compressInBuildKit: true,
      },
      [
        'buildx', 'build', '--progress', 'plain', '--file', '/tmp/ctx/Dockerfile', '--platform', 'linux/amd64',
        '--output', 'type=oci,dest=/tmp/oci,tar=false,compression=gzip,compression-level=9,force-compression=true,oci-mediatypes=true,rewrite-timestamp=true,source-date-epoch=946684800',
        '--provenance=mode=max', '--sbom=true', '--target', 'runtime', '--build-arg', 'SOURCE_DATE_EPOCH=1700000000',
        '--label', 'org.example.team=api', '--annotation', 'index:org.opencontainers.image.description=API',
        '--secret', 'id=npmrc,env=GSI_BUILD_SECRET_0', '--secret', 'id=key,src=/w/key.pem',
        '--metadata-file', '/tmp/meta.json', '/tmp/ctx',
      ],
    ],
  ])('%s', (_name, change, argv) => {
    expect(buildxBuildArgs({ ...spec, ...change })).toEqual(argv);
  });
});

describe('buildx output parsing', () => {
  it('reads the digest from containerimage.digest or the descriptor', () => {
    expect(parseBuildMetadata(JSON.stringify({ 'containerimage.digest': digest, 'image.name': 'a:1,b:2' }))).toEqual({ digest });
    expect(parseBuildMetadata(JSON.stringify({ 'containerimage.descriptor': { digest } })).digest).toBe(digest);
  });

  it.each(['not json', '{}', JSON.stringify({ 'containerimage.digest': 'sha256:short' })])('rejects %s', (json) => {
    expect(() => parseBuildMetadata(json)).toThrow(/metadata/);
  });

  it('counts cached steps in plain progress', () => {
    expect(countCachedSteps('#5 [rootfs 1/1] COPY rootfs/ /\n#5 CACHED\n\n#6 [stage-1 2/2] COPY\n#6 CACHED\n#7 exporting')).toBe(2);
  });

  it('finds cache export errors that ignore-error=true let pass', () => {
    const progress = [
      '#3 importing cache manifest from r/a:buildcache',
      '#3 ERROR: failed to configure registry cache importer: r/a:buildcache: not found',
      '#9 exporting cache to registry',
      '#9 preparing build cache for export 0.0s done',
      '#9 ERROR: error writing layer blob: connection refused',
    ].join('\n');
    expect(cacheExportErrors(progress)).toEqual(['error writing layer blob: connection refused']);
    expect(cacheExportErrors('#9 exporting cache to registry\n#9 DONE 0.1s')).toEqual([]);
  });

  it('hints at logging in on permission errors', () => {
    expect(registryErrorHint('ERROR: failed to push: 401 Unauthorized')).toMatch(/log in/);
    expect(registryErrorHint('denied: requested access to the resource is denied')).toMatch(/log in/);
    expect(registryErrorHint('no space left on device')).toBeUndefined();
  });

  it('parses the buildx version', () => {
    expect(parseBuildxVersion('github.com/docker/buildx v0.38.2 3b3f0e5')).toBe('0.38.2');
    expect(parseBuildxVersion('github.com/docker/buildx 0.12.1+ds1 0.12.1+ds1-1')).toBe('0.12.1');
  });
});
