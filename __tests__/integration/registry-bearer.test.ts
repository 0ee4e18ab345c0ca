import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '../../src/errors.js';
import { encodeLayer, OCI_LAYER_GZIP } from '../../src/image/encoder.js';
import { readImageSizes } from '../../src/report/inspect.js';
import { pushOciImage, readOciImage, sha256, tagOciImage, type OciImage } from '../../src/image/oci-layout.js';
import { execCommand } from '../../src/exec.js';
import { credentialChain } from '../../src/image/credentials.js';
import { RegistryClient, type Registry } from '../../src/image/registry.js';
import type { ImageName } from '../../src/reference.js';
import { startTokenRegistry, type TokenRegistry } from '../helpers/token-registry.js';

/**
 * The Bearer-token challenge flow against the real distribution 2.8 registry with `auth: token:`
 * and a token server of our own (see helpers/token-registry.ts): the client pushes and reads back
 * with the docker config login, and fails clearly, without showing a token, when the login is
 * wrong or missing.
 */

/** A one-file ustar archive (what a layer is before gzip). */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const put = (offset: number, length: number, value: string) => header.write(value.slice(0, length), offset, 'ascii');
  put(0, 100, name);
  put(100, 8, '0000644\0');
  put(108, 8, '0000000\0');
  put(116, 8, '0000000\0');
  put(124, 12, `${content.length.toString(8).padStart(11, '0')}\0`);
  put(136, 12, '00000000000\0');
  header.fill(' ', 148, 156);
  put(156, 1, '0');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/** An OCI layout with one linux/amd64 image: a gzipped one-file layer, a config, a manifest. */
async function buildLayout(): Promise<{ image: OciImage; compressed: number }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-bearer-layout-'));
  await fs.mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const write = async (data: Buffer) => {
    const digest = sha256(data);
    await fs.writeFile(path.join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
    return { digest, size: data.length };
  };
  const tar = tarOf('hello.txt', Buffer.from(`hello from ${randomBytes(8).toString('hex')}\n`));
  const layer = { mediaType: OCI_LAYER_GZIP, ...(await write(await encodeLayer({ algorithm: 'gzip', level: 10 }, tar))) };
  const config = {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    ...(await write(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(tar)] } })))),
  };
  const manifest = { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...(await write(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] })))) };
  await fs.writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await fs.writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [manifest] }));
  return { image: await readOciImage(dir), compressed: config.size + layer.size };
}

describe('Bearer-token auth against distribution 2.8 with auth: token', () => {
  const login = { username: 'gsi-pusher', password: `gsiPw-${randomBytes(12).toString('hex')}` };
  let registry: TokenRegistry;
  let layout: { image: OciImage; compressed: number };
  /** Every error the client ended with, to search for tokens at the end. */
  const errors: string[] = [];
  const masked: string[] = [];

  const clientFor = (dockerConfig: string) =>
    new RegistryClient({
      credentials: credentialChain({ run: execCommand, env: { DOCKER_CONFIG: dockerConfig } }),
      maskSecret: (value) => masked.push(value),
      attempts: 1,
    });
  const nameOf = (repository: string): ImageName => ({ registry: registry.address, repository });
  const pushFails = async (client: Registry, repository: string): Promise<string> => {
    let message = '';
    await pushOciImage(client, layout.image, [{ name: nameOf(repository), tags: ['v1'] }], () => undefined).then(
      () => {
        throw new Error(`the push to ${repository} succeeded`);
      },
      (error: unknown) => {
        message = errorMessage(error);
      },
    );
    errors.push(message);
    return message;
  };
  const requestsFor = (repository: string) => registry.tokens.requests.filter((r) => r.scopes.some((s) => s.startsWith(`repository:${repository}:`)));

  beforeAll(async () => {
    registry = await startTokenRegistry(login);
    layout = await buildLayout();
  }, 30_000);

  afterAll(async () => {
    await registry?.stop();
    if (layout) await fs.rm(layout.image.dir, { recursive: true, force: true });
  });

  it.each([
    ['x5c', 'acme/bearer-x5c'],
    ['kid', 'acme/bearer-kid'],
  ] as const)('pushes with the docker config login and reads the sizes back (token header: %s)', async (signing, repository) => {
    registry.tokens.signing = signing;
    const logged: string[] = [];
    const pusher = clientFor(registry.dockerConfig);
    const targets = [{ name: nameOf(repository), tags: ['v1'] }];
    await pushOciImage(pusher, layout.image, targets, (m) => logged.push(m));
    await tagOciImage(pusher, layout.image, targets, (m) => logged.push(m));
    expect(logged.join('\n')).toContain(`Pushed ${registry.address}/${repository}@${layout.image.root.digest}`);

    // A fresh client: reading asks for a pull-only token.
    const sizes = await readImageSizes(nameOf(repository), layout.image.root.digest, clientFor(registry.dockerConfig));
    expect(sizes).toEqual([expect.objectContaining({ platform: 'linux/amd64', manifestDigest: layout.image.root.digest, compressed: layout.compressed })]);
    expect(await clientFor(registry.dockerConfig).listTags(nameOf(repository))).toEqual(['v1']);

    const requests = requestsFor(repository);
    const scopes = new Set(requests.flatMap((r) => r.scopes));
    expect(scopes).toEqual(new Set([`repository:${repository}:pull,push`, `repository:${repository}:pull`]));
    for (const request of requests) expect(request).toEqual(expect.objectContaining({ service: registry.service, user: login.username, status: 200 }));
    // One token per scope and client, not one per request.
    expect(requests.filter((r) => r.scopes.includes(`repository:${repository}:pull,push`))).toHaveLength(1);
    for (const token of registry.tokens.issued) expect(masked).toContain(token);
  });

  it('refuses a token signed by a key outside the rootcertbundle (the registry really verifies)', async () => {
    registry.tokens.signing = 'untrusted';
    try {
      const message = await pushFails(clientFor(registry.dockerConfig), 'acme/bearer-untrusted');
      expect(message).toMatch(/answered HTTP 401/);
      expect(requestsFor('acme/bearer-untrusted').some((r) => r.status === 200)).toBe(true);
      expect(await registry.hasRepository('acme/bearer-untrusted')).toBe(false);
    } finally {
      registry.tokens.signing = 'x5c';
    }
  });

  it('with a wrong password: the token endpoint answers 401, a rejected login names it and the docker config, nothing is pushed', async () => {
    const wrong = await registry.writeDockerConfig({ username: login.username, password: 'not-the-password' });
    const message = await pushFails(clientFor(wrong), 'acme/bearer-wrong');
    expect(message).toContain(`login rejected by ${registry.address}: the token endpoint ${registry.tokens.realm} answered HTTP 401 with the credential from auths in ${path.join(wrong, 'config.json')}`);
    expect(message).not.toMatch(/Hint: log in to the registry/);
    expect(message).not.toContain('not-the-password');
    expect(requestsFor('acme/bearer-wrong').map((r) => [r.user, r.status])).toEqual([[login.username, 401]]);
    expect(await registry.hasRepository('acme/bearer-wrong')).toBe(false);
    expect(await clientFor(registry.dockerConfig).findManifest(nameOf('acme/bearer-wrong'), 'v1')).toBeUndefined();
  });

  it('anonymous (no login for the registry in the docker config): the push fails clearly', async () => {
    const none = await registry.writeDockerConfig();
    const message = await pushFails(clientFor(none), 'acme/bearer-anonymous');
    expect(message).toContain(`Pushing ${registry.address}/acme/bearer-anonymous@${layout.image.root.digest} failed`);
    expect(message).toMatch(/answered HTTP 401/);
    expect(message).toMatch(/Hint: log in to the registry/);
    // The token server was asked without credentials and gave a pull-only token; push was refused.
    const requests = requestsFor('acme/bearer-anonymous');
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) expect(request.user).toBeUndefined();
    expect(await registry.hasRepository('acme/bearer-anonymous')).toBe(false);

    registry.tokens.anonymous = 'deny';
    try {
      const denied = await pushFails(clientFor(none), 'acme/bearer-anonymous');
      expect(denied).toContain(`GET ${registry.tokens.realm} answered HTTP 401`);
    } finally {
      registry.tokens.anonymous = 'pull';
    }
  });

  it('never shows a token in an error message', () => {
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(registry.tokens.issued.length).toBeGreaterThan(0);
    const leaks = errors.flatMap((message) => registry.tokens.issued.filter((token) => message.includes(token) || message.includes(token.split('.')[2]!)));
    expect(leaks).toEqual([]);
    for (const message of errors) expect(message).not.toContain(login.password);
    // And every token was handed to the masker before use, anonymous ones and refused ones included.
    expect(registry.tokens.issued.filter((token) => !masked.includes(token))).toEqual([]);
  });
});
