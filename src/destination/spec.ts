import type { OutputKind } from '../config/output.js';
import type { PushTarget } from '../image/oci-layout.js';

/**
 * Where the plan sends the image (pure data; destination/open.ts makes the implementations):
 * the registry by digest with tags moved after the gate, the Docker daemon, or a file or folder.
 */
export type DestinationSpec =
  | { kind: 'registry'; targets: PushTarget[] }
  | { kind: 'daemon'; tags: string[] }
  | { kind: OutputKind; path: string; tags: string[] };
