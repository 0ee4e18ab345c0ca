import type { ImageName } from '../reference.js';
import { type ImageManifest, isIndex, type Registry } from '../image/registry.js';
import { imageDescriptors, platformOf, platformSize, type PlatformSize } from './size.js';

/** Reads the pushed image (a manifest or an index) back from the registry and sizes every platform. */
export async function readImageSizes(name: ImageName, digest: string, client: Registry): Promise<PlatformSize[]> {
  const { manifest } = await client.getManifest(name, digest);
  if (!isIndex(manifest)) {
    const { platform } = await readConfigPlatform(client, name, manifest);
    return [platformSize(platform, digest, manifest)];
  }
  const sizes: PlatformSize[] = [];
  for (const descriptor of imageDescriptors(manifest)) {
    const child = await client.getManifest(name, descriptor.digest);
    if (isIndex(child.manifest)) continue;
    sizes.push(platformSize(platformOf(descriptor), descriptor.digest, child.manifest));
  }
  return sizes;
}

/** A single manifest does not say its platform; its config blob does. */
async function readConfigPlatform(client: Registry, name: ImageName, manifest: ImageManifest): Promise<{ platform: string }> {
  const config = (await client.getJsonBlob(name, manifest.config.digest)) as { os?: string; architecture?: string; variant?: string };
  return { platform: [config.os, config.architecture, config.variant].filter(Boolean).join('/') || 'unknown/unknown' };
}
