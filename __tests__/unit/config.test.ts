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
      tags: ['127.0.0.1:5000/hello:latest'],
      platforms: [{ os: 'linux', arch: 'amd64' }],
      push: true,
      cacheRef: '127.0.0.1:5000/hello:buildcache',
      builder: '',
      buildkitEndpoint: '',
      ldflags: '',
      buildTags: ['netgo', 'osusergo'],
      expose: [],
    });
  });

  it.each([
    [{ tags: 'v1, latest\nghcr.io/acme/app:edge' }, ['127.0.0.1:5000/hello:v1', '127.0.0.1:5000/hello:latest', 'ghcr.io/acme/app:edge']],
    [{ image: '127.0.0.1:5000/hello:pinned' }, ['127.0.0.1:5000/hello:pinned']],
    [{ image: '127.0.0.1:5000/hello:pinned', tags: 'extra' }, ['127.0.0.1:5000/hello:pinned', '127.0.0.1:5000/hello:extra']],
  ])('derives full tag references from %j', (inputs, tags) => {
    expect(configFrom({ image: '127.0.0.1:5000/hello', ...inputs }).tags).toEqual(tags);
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
    expect(config.cacheRef).toBe('ghcr.io/acme/cache:buildcache');
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
    [{ 'cache-ref': 'UPPER/case' }, 'cache-ref'],
    [{ builder: 'b', 'buildkit-endpoint': 'tcp://127.0.0.1:1234' }, 'buildkit-endpoint'],
    [{ 'buildkit-endpoint': 'localhost:1234' }, 'buildkit-endpoint'],
  ])('rejects %j naming the input %s', (inputs, input) => {
    const error = inputErrorOf({ image: '127.0.0.1:5000/hello', ...inputs });
    expect(error.input).toBe(input);
    expect(error.message).toContain(`Input '${input}'`);
    expect(error.message).toMatch(/expected .+/);
  });
});
