import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config.js';
import { InputError } from '../../src/errors.js';

const workspace = '/work/space';

function configFrom(inputs: Record<string, string>) {
  return parseConfig((name) => inputs[name] ?? '', workspace);
}

function inputErrorOf(inputs: Record<string, string>): InputError {
  try {
    configFrom(inputs);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('parseConfig', () => {
  it('applies the defaults of action.yml', () => {
    const config = configFrom({ image: '127.0.0.1:5000/hello' });
    expect(config).toEqual({
      workingDirectory: workspace,
      mainPackage: '.',
      binaryName: 'space',
      image: { registry: '127.0.0.1:5000', repository: 'hello' },
      tags: [],
      platforms: [{ os: 'linux', arch: 'amd64' }],
      load: false,
      pushByDigest: false,
      mode: 'build',
      cacheWrite: 'auto',
      cacheBackend: 'auto',
      builder: '',
      buildkitEndpoint: '',
      engine: 'auto',
      ldflags: '',
      buildTags: ['netgo', 'osusergo'],
      expose: [],
      build: { kind: 'prebuilt' },
      baseImage: 'scratch',
      caCertificates: 'auto',
      timezoneData: 'auto',
      warnings: [],
      compression: { algorithm: 'gzip', level: 10 },
      go: { versionSpec: '', versionFile: '', checkLatest: false, downloadBaseUrl: '' },
      cache: true,
      cacheSave: 'auto',
      comment: 'auto',
      history: 30,
      githubToken: '',
      buildArgs: {},
      labels: {},
      annotations: [],
      secrets: [],
      secretFiles: [],
      target: '',
      provenance: 'true',
      sbom: true,
      attestations: 'referrers',
      setupQemu: 'false',
      notices: [],
      masks: [],
    });
  });

  it.each([
    [{}, []],
    [{ tags: 'v1, latest\nghcr.io/acme/app:edge' }, ['127.0.0.1:5000/hello:v1', '127.0.0.1:5000/hello:latest', 'ghcr.io/acme/app:edge']],
    [{ image: '127.0.0.1:5000/hello:pinned' }, ['127.0.0.1:5000/hello:pinned']],
    [{ image: '127.0.0.1:5000/hello:pinned', tags: 'extra' }, ['127.0.0.1:5000/hello:pinned', '127.0.0.1:5000/hello:extra']],
  ])('derives full tag references from %j', (inputs, tags) => {
    expect(configFrom({ image: '127.0.0.1:5000/hello', ...inputs }).tags).toEqual(tags);
  });

  it('reads the build mode, base image and compression', () => {
    expect(configFrom({ image: 'r/a', 'dockerfile-mode': 'source' }).build).toEqual({ kind: 'source', goImage: '' });
    expect(configFrom({ image: 'r/a', 'dockerfile-mode': 'source', 'go-image': '127.0.0.1:5000/golang:1.26' }).build).toEqual({ kind: 'source', goImage: '127.0.0.1:5000/golang:1.26' });
    expect(configFrom({ image: 'r/a', 'working-directory': 'svc', dockerfile: 'build/Dockerfile' }).build).toEqual({ kind: 'dockerfile', path: '/work/space/svc/build/Dockerfile' });
    expect(configFrom({ image: 'r/a', compression: 'zstd' }).compression).toEqual({ algorithm: 'zstd', level: 19 });
    expect(configFrom({ image: 'r/a', compression: 'gzip', 'compression-level': '6' }).compression).toEqual({ algorithm: 'gzip', level: 6 });
    expect(configFrom({ image: 'r/a', 'base-image': 'gcr.io/distroless/static:nonroot' }).baseImage).toBe('gcr.io/distroless/static:nonroot');
  });

  it('reads build args, labels, annotations and secrets line by line', () => {
    const config = configFrom({
      image: 'r/a',
      'build-args': 'GOPROXY=https://proxy.example,direct\nEMPTY=',
      labels: 'org.example.team=api',
      // An index annotation needs several platforms (one platform's image has no index).
      platforms: 'linux/amd64,linux/arm64',
      annotations: 'index:org.opencontainers.image.description=An API = fast',
      secrets: 'npmrc=//registry/:_authToken=abc=',
    });
    expect(config.buildArgs).toEqual({ GOPROXY: 'https://proxy.example,direct', EMPTY: '' });
    expect(config.labels).toEqual({ 'org.example.team': 'api' });
    expect(config.annotations).toEqual(['index:org.opencontainers.image.description=An API = fast']);
    expect(config.secrets).toEqual([{ id: 'npmrc', value: '//registry/:_authToken=abc=' }]);
  });

  it('never shows a secret value in an error', () => {
    expect(inputErrorOf({ image: 'r/a', secrets: 'bad id!=s3cr3t-value' }).message).not.toContain('s3cr3t-value');
  });

  it('explains why cgo is refused and what to do instead', () => {
    expect(inputErrorOf({ image: 'r/a', cgo: 'true' }).message).toMatch(/C cross toolchain.*pure-Go alternative.*dockerfile input/);
  });

  it('reads paths, platforms, ports and names', () => {
    const config = configFrom({
      image: 'ghcr.io/acme/api',
      'working-directory': 'services/api',
      main: './cmd/server',
      platforms: 'linux/amd64, linux/arm64\nlinux/arm/v6',
      expose: '8080, 53/udp',
      'cache-ref': 'ghcr.io/acme/cache',
      push: 'false',
    });
    expect(config.workingDirectory).toBe('/work/space/services/api');
    expect(config.binaryName).toBe('server');
    expect(config.platforms).toEqual([
      { os: 'linux', arch: 'amd64' },
      { os: 'linux', arch: 'arm64' },
      { os: 'linux', arch: 'arm', variant: 'v6' },
    ]);
    expect(config.expose).toEqual(['8080', '53/udp']);
    expect(config.cacheRef).toEqual({ registry: 'ghcr.io', repository: 'acme/cache' });
    expect(config.push).toBe(false);
  });

  it.each([
    [{ image: '' }, 'image'],
    [{ image: '   ' }, 'image'],
    [{ image: 'Bad/Name' }, 'image'],
    [{ image: 'ghcr.io/acme/app@sha256:' + 'a'.repeat(64) }, 'image'],
    [{ platforms: 'linux' }, 'platforms'],
    [{ platforms: 'linux/arm/v9' }, 'platforms'],
    [{ platforms: ' , ' }, 'platforms'],
    [{ 'working-directory': '../outside' }, 'working-directory'],
    [{ 'working-directory': '/etc' }, 'working-directory'],
    [{ main: '../other' }, 'main'],
    [{ push: 'yes please' }, 'push'],
    [{ tags: 'bad tag!' }, 'tags'],
    [{ expose: '99999' }, 'expose'],
    [{ expose: 'http' }, 'expose'],
    [{ 'go-build-tags': 'ok,-bad' }, 'go-build-tags'],
    [{ 'binary-name': '../x' }, 'binary-name'],
    [{ 'cache-ref': 'ghcr.io/acme/cache:no tag' }, 'cache-ref'],
    [{ builder: 'b', 'buildkit-endpoint': 'tcp://127.0.0.1:1234' }, 'buildkit-endpoint'],
    [{ 'buildkit-endpoint': 'localhost:1234' }, 'buildkit-endpoint'],
    [{ platforms: 'linux/amd65' }, 'platforms'],
    [{ platforms: 'windows/amd64' }, 'platforms'],
    [{ cgo: 'true' }, 'cgo'],
    [{ cgo: 'maybe' }, 'cgo'],
    [{ 'dockerfile-mode': 'inline' }, 'dockerfile-mode'],
    [{ dockerfile: '../../../etc/Dockerfile' }, 'dockerfile'],
    [{ 'dockerfile-mode': 'source', 'go-image': 'Golang:1' }, 'go-image'],
    [{ 'base-image': 'bad image' }, 'base-image'],
    [{ 'ca-certificates': 'yes' }, 'ca-certificates'],
    [{ 'timezone-data': 'always' }, 'timezone-data'],
    [{ compression: 'brotli' }, 'compression'],
    [{ 'compression-level': '13' }, 'compression-level'],
    [{ compression: 'zstd', 'compression-level': '23' }, 'compression-level'],
    [{ ldflags: '-X main.v={{.Branch}}' }, 'ldflags'],
    [{ 'go-version': 'latest-ish' }, 'go-version'],
    [{ 'go-version-file': '../../../go.mod' }, 'go-version-file'],
    [{ 'check-latest': 'sometimes' }, 'check-latest'],
    [{ 'go-download-base-url': 'ftp://mirror' }, 'go-download-base-url'],
    [{ cache: 'off' }, 'cache'],
    [{ 'cache-save': 'sometimes' }, 'cache-save'],
    [{ baseline: 'Not An Image' }, 'baseline'],
    [{ load: 'true', platforms: 'linux/amd64,linux/arm64' }, 'load'],
    [{ 'push-by-digest': 'true', platforms: 'linux/amd64,linux/arm64' }, 'push-by-digest'],
    [{ 'push-by-digest': 'true', push: 'false' }, 'push-by-digest'],
    [{ mode: 'stitch' }, 'mode'],
    [{ 'build-args': 'no equals sign' }, 'build-args'],
    [{ 'build-args': '1BAD=x' }, 'build-args'],
    [{ labels: '=x' }, 'labels'],
    [{ annotations: 'bogus-level:key=x' }, 'annotations'],
    [{ secrets: 'token' }, 'secrets'],
    [{ 'secret-files': 'key=../../../etc/shadow' }, 'secret-files'],
    [{ provenance: 'full' }, 'provenance'],
    [{ sbom: 'spdx' }, 'sbom'],
    [{ target: 'bad target' }, 'target'],
    [{ 'cache-write': 'sometimes' }, 'cache-write'],
    [{ 'cache-backend': 's3' }, 'cache-backend'],
    [{ engine: 'docker' }, 'engine'],
    [{ comment: 'yes' }, 'comment'],
    [{ 'size-budget': '12MB?' }, 'size-budget'],
    [{ 'max-increase': 'lots' }, 'max-increase'],
  ])('rejects %j naming the input %s', (inputs, input) => {
    const error = inputErrorOf({ image: '127.0.0.1:5000/hello', ...inputs });
    expect(error.input).toBe(input);
    expect(error.message).toContain(`Input '${input}'`);
    expect(error.message).toMatch(/expected .+/);
  });
});
