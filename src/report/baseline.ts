import { formatImageName, type ImageName } from '../reference.js';
import type { Baseline, ClassifyOptions } from './size.js';
import { readImageSizes } from './inspect.js';
import { addLayerDetails, LayerReader } from './layers.js';
import { parseStoredReport, SIZE_REPORT_ANNOTATION } from './stored.js';
import type { Registry } from '../image/registry.js';

/**
 * Reads the baseline image (e.g. the tag the default branch pushes): `missing` when the tag does
 * not exist yet (the first run must not fail), otherwise every platform's sizes, with
 * uncompressed sizes when a layer reader is given (layers shared with the new image are read once).
 */
export async function readBaseline(
  name: ImageName,
  client: Registry,
  reader?: LayerReader,
  options: ClassifyOptions = {},
): Promise<Baseline> {
  return (await readBaselineImage(name, client, reader, options)).baseline;
}

/** The baseline and the annotations of its root manifest (where a stored size report lives). */
export async function readBaselineImage(
  name: ImageName,
  client: Registry,
  reader?: LayerReader,
  options: ClassifyOptions = {},
): Promise<{ baseline: Baseline; annotations: Record<string, string> }> {
  const reference = name.digest ?? name.tag ?? 'latest';
  const ref = formatImageName(name);
  const found = await client.findManifest(name, reference);
  if (!found) return { baseline: { state: 'missing', ref }, annotations: {} };
  const digest = found.digest || reference;
  let sizes = await readImageSizes(name, digest, client);
  const annotations = (found.manifest as { annotations?: Record<string, string> }).annotations ?? {};
  // This action's own images say what their layers hold; only other tools' layers are read.
  if (reader) sizes = await addLayerDetails(reader, name, sizes, options, parseStoredReport(annotations[SIZE_REPORT_ANNOTATION])?.layers);
  return { baseline: { state: 'found', ref, digest, sizes }, annotations };
}
