import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config.js';
import { buildxBuildArgs, type BuildxBuildSpec } from '../../src/image/buildx.js';

/**
 * docker/metadata-action's outputs, in its exact format (newline lists; `tags` full references,
 * `labels` key=value with empty values kept, `annotations` key=value with a level prefix), passed
 * verbatim to our inputs as a migrating workflow does.
 */
const META_TAGS = 'ghcr.io/o/r:main\nghcr.io/o/r:sha-860c190\n';
const META_LABELS = [
  'org.opencontainers.image.title=r',
  'org.opencontainers.image.description=',
  'org.opencontainers.image.url=https://github.com/o/r',
  'org.opencontainers.image.source=https://github.com/o/r',
  'org.opencontainers.image.version=main',
  'org.opencontainers.image.created=2026-12-01T10:00:00.000Z',
  'org.opencontainers.image.revision=860c1904a1ce19322e91ac35af1ab07466440c37',
  'org.opencontainers.image.licenses=MIT',
].join('\n');
// DOCKER_METADATA_ANNOTATIONS_LEVELS=manifest,index,manifest-descriptor,index-descriptor
const META_ANNOTATIONS = [
  'manifest:org.opencontainers.image.title=r',
  'manifest:org.opencontainers.image.description=',
  'index:org.opencontainers.image.title=r',
  'manifest-descriptor:org.opencontainers.image.version=main',
  'index-descriptor:org.opencontainers.image.url=https://github.com/o/r',
  'manifest[linux/amd64]:org.opencontainers.image.licenses=MIT',
].join('\n');

// Two platforms: index annotations need an index (a single-platform image has none).
const inputs: Record<string, string> = { image: 'ghcr.io/o/r', platforms: 'linux/amd64,linux/arm64', tags: META_TAGS, labels: META_LABELS, annotations: META_ANNOTATIONS };
const config = parseConfig((name) => inputs[name] ?? '', '/work/space');

describe("docker/metadata-action's outputs as our inputs", () => {
  it('tags: every full reference, in order', () => {
    expect(config.tags).toEqual(['ghcr.io/o/r:main', 'ghcr.io/o/r:sha-860c190']);
  });

  it('labels: every key with its value, empty values kept', () => {
    expect(config.labels).toEqual({
      'org.opencontainers.image.title': 'r',
      'org.opencontainers.image.description': '',
      'org.opencontainers.image.url': 'https://github.com/o/r',
      'org.opencontainers.image.source': 'https://github.com/o/r',
      'org.opencontainers.image.version': 'main',
      'org.opencontainers.image.created': '2026-12-01T10:00:00.000Z',
      'org.opencontainers.image.revision': '860c1904a1ce19322e91ac35af1ab07466440c37',
      'org.opencontainers.image.licenses': 'MIT',
    });
  });

  it('annotations: every line as written, level prefixes kept', () => {
    expect(config.annotations).toEqual(META_ANNOTATIONS.split('\n'));
  });

  it('reach buildx as --label and --annotation flags, one per line, unchanged', () => {
    const spec: BuildxBuildSpec = {
      contextDir: '/c',
      dockerfile: '/c/Dockerfile',
      namedContexts: {},
      compression: config.compression,
      compressInBuildKit: false,
      platforms: config.platforms,
      ociDest: '/o',
      builder: '',
      cacheFrom: [],
      cacheTo: '',
      metadataFile: '/m.json',
      sourceDateEpoch: 0,
      rewriteTimestamp: true,
      buildArgs: {},
      labels: config.labels,
      annotations: config.annotations,
      secrets: [],
      target: '',
      provenance: 'false',
      sbom: false,
    };
    const args = buildxBuildArgs(spec);
    const flagValues = (flag: string) => args.flatMap((arg, i) => (arg === flag ? [args[i + 1]!] : []));
    expect(flagValues('--label').sort()).toEqual(META_LABELS.split('\n').sort());
    expect(flagValues('--annotation')).toEqual(META_ANNOTATIONS.split('\n'));
  });
});
