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

  describe('where the registry ends, as Docker reads it', () => {
    it.each([
      // A first component with upper case is a host: repository paths are lower case only.
      ['CORP/tools', { registry: 'CORP', repository: 'tools' }],
      ['Mirror/team/app:2', { registry: 'Mirror', repository: 'team/app', tag: '2' }],
      // ... but a single component never is.
      ['team/app', { registry: 'docker.io', repository: 'team/app' }],
      // Docker Hub's old host name is Docker Hub, and its single names get library/ as well.
      ['index.docker.io/golang:1.26', { registry: 'docker.io', repository: 'library/golang', tag: '1.26' }],
      ['index.docker.io/team/app', { registry: 'docker.io', repository: 'team/app' }],
      ['docker.io/golang', { registry: 'docker.io', repository: 'library/golang' }],
      // Inner dashes in host labels are fine, as is a port.
      ['my-registry.example-corp.com:8443/a', { registry: 'my-registry.example-corp.com:8443', repository: 'a' }],
      ['[::1]:5000/a', { registry: '[::1]:5000', repository: 'a' }],
    ])('%s', (text, name) => {
      expect(parseImageName(text)).toEqual(name);
    });

    it.each(['-mirror.example/app', 'mirror-.example/app', 'mirror.-example/app', 'mirror.example-/app', 'mirror.example-:5000/app', 'a..b/app'])(
      'refuses the host label of %j that starts or ends with "-" or is empty',
      (text) => {
        expect(() => parseImageName(text)).toThrow(/is not a valid registry host/);
      },
    );

    it('refuses upper case after the registry host', () => {
      expect(() => parseImageName('CORP/Tools')).toThrow(/"Tools" is not a valid repository name component/);
      expect(() => parseImageName('ghcr.io/Acme/app')).toThrow(/"Acme"/);
    });
  });

  it.each(['', 'UPPER', 'ghcr.io/acme/app:bad!tag', 'ghcr.io/acme/app@sha256:xyz', 'a//b'])('rejects %j', (text) => {
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
