import path from 'node:path';
import { promises as fs } from 'node:fs';
import { ActionError } from '../errors.js';
import type { Registry } from '../image/registry.js';
import type { Exec } from '../tools.js';
import type { Destination } from './destination.js';
import { ociLayoutFiles, writeTarFile } from './files.js';

/** `load`: the image's OCI layout as a tar through `docker load`; the run's tags only once the gate has passed. */
export function daemonDestination(tags: readonly string[], deps: { exec: Exec; registry: Registry; workDir: string }): Destination {
  let loaded: string | undefined;
  return {
    title: 'Loading the image into Docker',
    phase: 'load',
    tags,
    send: async (image, log) => {
      const archive = path.join(deps.workDir, 'image.tar');
      await writeTarFile(archive, await ociLayoutFiles(image, deps.registry));
      const { stdout } = await deps.exec('docker', ['load', '--input', archive], { hint: () => 'load needs a running Docker daemon on the runner.' });
      await fs.rm(archive, { force: true });
      loaded = /Loaded image(?: ID)?: (\S+)/.exec(stdout)?.[1];
      if (!loaded) throw new ActionError(`docker load did not say which image it loaded: ${stdout.trim()}`);
      log(`Loaded ${loaded} into Docker`);
    },
    tag: async (_image, log) => {
      if (!loaded) return;
      for (const tag of tags) await deps.exec('docker', ['tag', loaded, tag]);
      if (tags.length > 0) log(`Tagged ${loaded} in Docker as ${tags.join(', ')}`);
    },
  };
}
