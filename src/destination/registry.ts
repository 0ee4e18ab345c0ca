import { pushOciImage, tagOciImage, type OciImage, type PushTarget } from '../image/oci-layout.js';
import type { Registry } from '../image/registry.js';
import type { Destination } from './destination.js';

/** The registry: every blob and manifest pushed by digest, the tags written only by `tag`. */
export function registryDestination(targets: readonly PushTarget[], registry: Registry): Destination {
  const tags = targets.flatMap((t) => t.tags.map((tag) => `${t.name.registry}/${t.name.repository}:${tag}`));
  return {
    title: 'Pushing the image',
    phase: 'push',
    tags,
    send: (image: OciImage, log) => pushOciImage(registry, image, targets, log),
    tag: (image, log) => tagOciImage(registry, image, targets, log),
  };
}
