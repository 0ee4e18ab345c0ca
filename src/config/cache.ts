import { CACHE_SAVE_MODES, type CacheSaveMode } from '../go/caches.js';
import { Inputs } from '../inputs.js';
import type { ImageName } from '../reference.js';
import { referenceInput } from './references.js';
import { parseBoolean, parseEnum, type ParseContext } from './text.js';

export type CacheWrite = 'auto' | 'always' | 'never';
export const CACHE_WRITE_MODES: readonly CacheWrite[] = ['auto', 'always', 'never'];

/** The layer cache (BuildKit) and Go's caches (Actions cache service). */
export interface CacheSettings {
  /** The main line's layer cache (`cache-ref`); undefined for `<image>:buildcache`. */
  cacheRef?: ImageName;
  cacheWrite: CacheWrite;
  /** auto: registry where BuildKit compiles (source mode, your Dockerfile), none in prebuilt mode (see plan.ts layerCacheBackend). */
  cacheBackend: 'auto' | 'registry' | 'gha' | 'none';
  /** Restore and save Go's module and build caches with the Actions cache service. */
  cache: boolean;
  cacheSave: CacheSaveMode;
}

export function parseCacheSettings({ get, notices }: ParseContext): CacheSettings {
  const cacheRefValue = get('cacheRef');
  const cacheRef = cacheRefValue
    ? referenceInput(Inputs.cacheRef.name, cacheRefValue, {
        accepted: 'an image reference such as ghcr.io/owner/app:buildcache',
        notices,
        refuse: (name) => (name.digest ? 'a cache reference takes a tag, not a digest' : undefined),
      })
    : undefined;
  return {
    ...(cacheRef ? { cacheRef } : {}),
    cacheWrite: parseEnum(Inputs.cacheWrite.name, get('cacheWrite'), CACHE_WRITE_MODES),
    cacheBackend: parseEnum(Inputs.cacheBackend.name, get('cacheBackend'), ['auto', 'registry', 'gha', 'none'] as const),
    cache: parseBoolean(Inputs.cache.name, get('cache')),
    cacheSave: parseEnum(Inputs.cacheSave.name, get('cacheSave'), CACHE_SAVE_MODES),
  };
}
