import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { ActionError } from '../errors.js';
import { writeDirectImage } from '../image/direct.js';
import type { Reporter } from '../reporter.js';
import type { ImageEngine } from './engine.js';

/** The direct engine: the same OCI layout BuildKit would export, written from the compiled binaries by the action itself. */
export function directEngine(config: Config, reporter: Pick<Reporter, 'group'>): ImageEngine {
  return {
    name: 'direct',
    ownsLayerBytes: false,
    prepare: async () => ({ unsupported: [] }),
    build: (input) =>
      reporter.group('Writing the image (direct engine: no Docker, buildx or BuildKit)', async () => {
        const { stage, go, binaries } = input.prepared;
        if (!stage || !go) throw new ActionError('the direct engine needs the prebuilt mode (binaries compiled on the runner)');
        const dir = path.join(input.workDir, 'oci');
        await fs.rm(dir, { recursive: true, force: true });
        const image = await writeDirectImage({
          dir,
          binaries,
          stage,
          zoneinfoPath: path.join(go.goroot, 'lib', 'time', 'zoneinfo.zip'),
          labels: config.labels,
          annotations: config.annotations,
          registry: input.registry,
        });
        return { image };
      }),
  };
}
