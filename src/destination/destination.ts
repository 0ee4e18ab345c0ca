import type { OciImage } from '../image/oci-layout.js';

/** Lines for the log. */
export type Log = (line: string) => void;

/**
 * Where an image goes (ko's publish.Interface, in two steps so nothing is tagged that the size gate
 * rejects): `send` puts the image there addressed by digest only; `tag` points the run's tags at it
 * once the gate has passed. One implementation per kind (registry.ts, daemon.ts, files.ts), made
 * from the plan's DestinationSpec by open.ts.
 */
export interface Destination {
  /** The log group `send` runs in ("Pushing the image"). */
  readonly title: string;
  /** The phase of the summary's timing table `send` counts towards. */
  readonly phase: string;
  send(image: OciImage, log: Log): Promise<void>;
  /** Points the run's tags at the image (nothing to do where `send` wrote them already). */
  tag(image: OciImage, log: Log): Promise<void>;
  /** The references `tag` would move, for the warning when the gate fails. */
  readonly tags: readonly string[];
}
