import { describe, expect, it } from '@jest/globals';
import { formatImageName, isLoopbackRegistry, parseImageName, registryBaseUrl } from '../../src/reference.js';

describe('image references', () => {
  it.each([
    ['alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['acme/app:1.2', { registry: 'docker.io', repository: 'acme/app', tag: '1.2' }],
    ['ghcr.io/acme/app', { registry: 'ghcr.io', repository: 'acme/app' }],
    ['127.0.0.1:5000/hello:latest', { registry: '127.0.0.1:5000', repository: 'hello', tag: 'latest' }],
    ['localhost/a/b/c', { registry: 'localhost', repository: 'a/b/c' }],
    [`ghcr.io/acme/app@sha256:${'0'.repeat(64)}`, { registry: 'ghcr.io', repository: 'acme/app', digest: `sha256:${'0'.repeat(64)}` }],
  ])('%s', (text, name) => {
    expect(parseImageName(text)).toEqual(name);
  });

  it.each(['', 'UPPER/app', 'ghcr.io/acme/app:bad!tag', 'ghcr.io/acme/app@sha256:xyz', 'a//b'])('rejects %j', (text) => {
    expect(() => parseImageName(text)).toThrow();
  });

  it('formats back and picks the scheme', () => {
    expect(formatImageName({ registry: 'ghcr.io', repository: 'a/b', tag: 'x' })).toBe('ghcr.io/a/b:x');
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('localhost')).toBe(true);
    expect(isLoopbackRegistry('ghcr.io')).toBe(false);
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('docker.io')).toBe('https://registry-1.docker.io');
  });
});
