import { describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CA_BUNDLE_CERTIFICATES, CA_BUNDLE_PEM, CA_BUNDLE_SOURCE, CA_BUNDLE_VERSION } from '../../src/image/ca-bundle.generated.js';
import { caBundle, writeRootfs } from '../../src/image/context.js';
import { renderSummary, type RunSummary } from '../../src/report/summary.js';

const pems = CA_BUNDLE_PEM.match(/-----BEGIN CERTIFICATE-----\n[^-]+-----END CERTIFICATE-----\n/g) ?? [];

describe('the pinned CA bundle', () => {
  it('is nothing but the pinned number of distinct CA certificates', () => {
    expect(pems.join('')).toBe(CA_BUNDLE_PEM);
    expect(pems).toHaveLength(CA_BUNDLE_CERTIFICATES);
    const certificates = pems.map((pem) => new X509Certificate(pem));
    expect(certificates.every((c) => c.ca)).toBe(true);
    expect(new Set(certificates.map((c) => c.fingerprint256)).size).toBe(CA_BUNDLE_CERTIFICATES);
  });

  it('names the Debian package version scripts/versions.env pins', async () => {
    const versions = await fs.readFile(path.join(import.meta.dirname, '../../scripts/versions.env'), 'utf8');
    expect(versions).toContain(`CA_CERTIFICATES_VERSION=${CA_BUNDLE_VERSION}\n`);
    expect(CA_BUNDLE_SOURCE).toBe(`Mozilla via Debian ca-certificates ${CA_BUNDLE_VERSION}`);
  });

  it('is what writeRootfs puts at /etc/ssl/certs/ca-certificates.crt', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gsi-ca-'));
    try {
      await writeRootfs(dir, { caCertificates: true, zoneinfo: false }, '/nonexistent-goroot');
      expect(await fs.readFile(path.join(dir, 'etc/ssl/certs/ca-certificates.crt'), 'utf8')).toBe(CA_BUNDLE_PEM);
      expect(caBundle()).toBe(CA_BUNDLE_PEM);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the job summary', () => {
  const summary: RunSummary = { imageRef: 'r/x@sha256:1', tags: [], pushed: true, binaries: [], goVersion: '1.24.0', cachedSteps: 0, tagsMoved: true, phases: [{ name: 'compile', seconds: 1 }] };

  it.each([
    [{ ...summary, caBundle: CA_BUNDLE_SOURCE }, [`CA bundle: ${CA_BUNDLE_SOURCE}`]],
    [summary, []],
  ])('names the CA bundle only when the image has one (%#)', (input, expected) => {
    expect(renderSummary(input).split('\n').filter((line) => line.startsWith('CA bundle'))).toEqual(expected);
  });
});
