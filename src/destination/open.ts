import type { Registry } from '../image/registry.js';
import type { Exec } from '../tools.js';
import { daemonDestination } from './daemon.js';
import type { Destination } from './destination.js';
import { fileDestination } from './files.js';
import { registryDestination } from './registry.js';
import type { DestinationSpec } from './spec.js';

/** The destination each planned spec names. */
export function openDestinations(specs: readonly DestinationSpec[], deps: { exec: Exec; registry: Registry; workDir: string }): Destination[] {
  return specs.map((spec) => {
    switch (spec.kind) {
      case 'registry':
        return registryDestination(spec.targets, deps.registry);
      case 'daemon':
        return daemonDestination(spec.tags, deps);
      default:
        return fileDestination(spec.kind, spec.path, spec.tags, deps.registry);
    }
  });
}
