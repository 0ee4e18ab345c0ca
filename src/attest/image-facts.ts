/**
 * What an SBOM is made of, read from the image in the local OCI layout: each platform's manifest
 * descriptor, its config's creation time, and the files the action puts in (the binary, the CA
 * bundle, zoneinfo). Read from the image itself, so both engines and every mode describe the same bytes.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readBuildInfo } from '../go/buildinfo.js';
import { readElfSections, sectionBytes } from '../go/elf-sections.js';
import { CA_BUNDLE_PEM, CA_BUNDLE_VERSION } from '../image/ca-bundle.generated.js';
import { CA_BUNDLE_PATH, ZONEINFO_PATH } from '../image/dockerfile.js';
import { readImageFile } from '../image/layout-file.js';
import type { OciImage } from '../image/oci-layout.js';
import { isIndex, type Descriptor, type Manifest } from '../image/registry.js';
import { parsePlatform } from '../platform.js';
import type { PlatformImageFacts } from './spdx.js';

const blobPath = (dir: string, digest: string) => path.join(dir, 'blobs', ...digest.split(':'));
const readJson = async <T>(dir: string, digest: string) => JSON.parse(await fs.readFile(blobPath(dir, digest), 'utf8')) as T;
const sha256Hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export interface PlatformImage {
  platform: string;
  descriptor: Descriptor;
}

interface ImageConfig {
  created?: string;
  os?: string;
  architecture?: string;
  variant?: string;
}

/** SPDX wants `YYYY-MM-DDThh:mm:ssZ`: no fraction of a second. */
export function spdxTime(created: string | undefined): string {
  const time = created ? new Date(created) : new Date(0);
  return (Number.isNaN(time.getTime()) ? new Date(0) : time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const platformOf = (p: { os?: string; architecture?: string; variant?: string }) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

/** The platform images of the layout's root (an index, or one image manifest), with their manifest descriptors. */
export async function platformImages(image: OciImage): Promise<PlatformImage[]> {
  const root = await readJson<Manifest>(image.dir, image.root.digest);
  if (!isIndex(root)) {
    const config = await readJson<ImageConfig>(image.dir, root.config.digest);
    return [{ platform: platformOf(config), descriptor: { mediaType: image.root.mediaType, digest: image.root.digest, size: image.root.size } }];
  }
  return root.manifests
    .filter((m) => m.platform && m.platform.os !== 'unknown' && m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest')
    .map((m) => ({ platform: platformOf(m.platform!), descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.size } }));
}

export interface ImageFactsRequest {
  /** The image as pushed (its manifests are what the SBOM describes). */
  pushed: OciImage;
  /** The same image before the action compressed its layers (the files are read from it). */
  built: OciImage;
  platform: PlatformImage;
  binaryPath: string;
  imageName: string;
  tool: string;
  baseImage?: { reference: string; digest: string };
}

/** One platform image's SBOM facts; a file the image does not hold is left out. */
export async function readPlatformFacts(request: ImageFactsRequest): Promise<PlatformImageFacts> {
  const { pushed, built, platform } = request;
  const manifest = await readJson<Manifest>(pushed.dir, platform.descriptor.digest);
  const config = isIndex(manifest) ? {} : await readJson<ImageConfig>(pushed.dir, manifest.config.digest);
  const target = parsePlatform(platform.platform);
  const read = (file: string) => readImageFile(built, target, file);
  const [binary, caBundle, zoneinfo] = await Promise.all([read(request.binaryPath), read(CA_BUNDLE_PATH), read(ZONEINFO_PATH)]);
  const facts: PlatformImageFacts = {
    platform: platform.platform,
    manifestDigest: platform.descriptor.digest,
    created: spdxTime(config.created),
    imageName: request.imageName,
    tool: request.tool,
    ...(request.baseImage ? { baseImage: request.baseImage } : {}),
  };
  if (binary) {
    try {
      const buildinfo = sectionBytes(binary, readElfSections(binary), '.go.buildinfo');
      if (buildinfo) facts.binary = { path: request.binaryPath, sha256: sha256Hex(binary), buildInfo: readBuildInfo(buildinfo) };
    } catch {
      // Not a Go ELF binary (a user's Dockerfile may put anything there): the SBOM lists no Go modules.
    }
  }
  // Only the pinned bundle is named as Debian's package: a bundle from a base image is the base image's.
  if (caBundle && caBundle.toString('utf8') === CA_BUNDLE_PEM) facts.caCertificates = { version: CA_BUNDLE_VERSION, path: CA_BUNDLE_PATH };
  if (zoneinfo) facts.zoneinfo = { path: ZONEINFO_PATH, sha256: sha256Hex(zoneinfo) };
  return facts;
}
