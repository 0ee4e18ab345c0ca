/**
 * Every input, output and state key of the action, named once. Defaults here must equal
 * action.yml's (a unit test compares them): the runner applies action.yml's, the CLI and
 * direct `node` runs rely on these.
 */
/**
 * What an input takes, declared once: the README's type column (scripts/docs.mjs) and the CLI's
 * switches read it, and a unit test holds each declaration to what parseConfig accepts.
 * - `boolean`: true or false; `list`: a comma or newline list; `lines`: one entry per line;
 *   `size`: bytes with a unit (12MiB, 500kB) or a percentage where the input says so;
 *   `reference`: an image reference; `path`: relative to the workspace or working-directory;
 *   `secret`: masked in every log; `integer`, `url`, `string`: as named.
 * - a list of strings: exactly one of these values.
 */
export type InputType = 'string' | 'boolean' | 'list' | 'lines' | 'size' | 'reference' | 'path' | 'secret' | 'integer' | 'url' | readonly string[];

export interface InputSpec {
  readonly name: string;
  /** action.yml's default ('' when it has none or the action decides at run time). */
  readonly default: string;
  readonly type: InputType;
}

/** Whether an input takes true and false (alone, or among other values such as auto or mode=max). */
export function takesTrueFalse(type: InputType): boolean {
  return type === 'boolean' || (Array.isArray(type) && type.includes('true') && type.includes('false'));
}

export const Inputs = {
  image: { name: 'image', default: '', type: 'reference' },
  platforms: { name: 'platforms', default: 'linux/amd64', type: 'list' },
  workingDirectory: { name: 'working-directory', default: '.', type: 'path' },
  main: { name: 'main', default: '.', type: 'path' },
  binaryName: { name: 'binary-name', default: '', type: 'string' },
  tags: { name: 'tags', default: '', type: 'list' },
  push: { name: 'push', default: '', type: 'boolean' },
  load: { name: 'load', default: 'false', type: 'boolean' },
  output: { name: 'output', default: '', type: 'string' },
  pushByDigest: { name: 'push-by-digest', default: 'false', type: 'boolean' },
  mode: { name: 'mode', default: 'build', type: ['build', 'merge'] },
  cacheWrite: { name: 'cache-write', default: 'auto', type: ['auto', 'always', 'never'] },
  cacheBackend: { name: 'cache-backend', default: 'auto', type: ['auto', 'registry', 'gha', 'none'] },
  cacheRef: { name: 'cache-ref', default: '', type: 'reference' },
  builder: { name: 'builder', default: '', type: 'string' },
  buildkitEndpoint: { name: 'buildkit-endpoint', default: '', type: 'string' },
  setupQemu: { name: 'setup-qemu', default: 'false', type: ['false', 'auto'] },
  engine: { name: 'engine', default: 'auto', type: ['auto', 'buildx', 'direct'] },
  ldflags: { name: 'ldflags', default: '', type: 'string' },
  goBuildTags: { name: 'go-build-tags', default: 'netgo,osusergo', type: 'list' },
  expose: { name: 'expose', default: '', type: 'list' },
  cgo: { name: 'cgo', default: 'false', type: 'boolean' },
  dockerfileMode: { name: 'dockerfile-mode', default: 'prebuilt', type: ['prebuilt', 'source'] },
  dockerfile: { name: 'dockerfile', default: '', type: 'path' },
  baseImage: { name: 'base-image', default: 'scratch', type: 'reference' },
  goImage: { name: 'go-image', default: '', type: 'reference' },
  caCertificates: { name: 'ca-certificates', default: 'auto', type: ['auto', 'true', 'false'] },
  timezoneData: { name: 'timezone-data', default: 'auto', type: ['auto', 'true', 'false'] },
  compression: { name: 'compression', default: 'gzip', type: ['gzip', 'zstd'] },
  compressionLevel: { name: 'compression-level', default: '', type: 'integer' },
  goVersion: { name: 'go-version', default: '', type: 'string' },
  goVersionFile: { name: 'go-version-file', default: '', type: 'path' },
  checkLatest: { name: 'check-latest', default: 'false', type: 'boolean' },
  goDownloadBaseUrl: { name: 'go-download-base-url', default: '', type: 'url' },
  cache: { name: 'cache', default: 'true', type: 'boolean' },
  cacheSave: { name: 'cache-save', default: 'auto', type: ['auto', 'always', 'never'] },
  buildArgs: { name: 'build-args', default: '', type: 'lines' },
  labels: { name: 'labels', default: '', type: 'lines' },
  annotations: { name: 'annotations', default: '', type: 'lines' },
  secrets: { name: 'secrets', default: '', type: 'lines' },
  secretFiles: { name: 'secret-files', default: '', type: 'lines' },
  target: { name: 'target', default: '', type: 'string' },
  provenance: { name: 'provenance', default: 'true', type: ['true', 'false', 'mode=min', 'mode=max'] },
  sbom: { name: 'sbom', default: 'true', type: 'boolean' },
  attestations: { name: 'attestations', default: 'referrers', type: ['referrers', 'buildkit'] },
  baseline: { name: 'baseline', default: '', type: 'reference' },
  comment: { name: 'comment', default: 'auto', type: ['auto', 'always', 'never'] },
  githubToken: { name: 'github-token', default: '', type: 'secret' },
  sizeBudget: { name: 'size-budget', default: '', type: 'size' },
  maxIncrease: { name: 'max-increase', default: '', type: 'size' },
  history: { name: 'history', default: '30', type: 'integer' },
} as const;

export type InputKey = keyof typeof Inputs;

export const Outputs = {
  digest: 'digest',
  imageRef: 'image-ref',
  tags: 'tags',
  size: 'size',
  binarySize: 'binary-size',
  goVersion: 'go-version',
  goCacheHit: 'go-cache-hit',
  sizeUncompressed: 'size-uncompressed',
  sizes: 'sizes',
  sizeDelta: 'size-delta',
  sizeReport: 'size-report',
  dockerfile: 'dockerfile',
  sbomFiles: 'sbom-files',
  attestations: 'attestations',
} as const;

export const State = {
  isPost: 'isPost',
  builderToRemove: 'builder-to-remove',
  goCaches: 'go-caches',
  cacheSave: 'cache-save',
  /** main's folder under RUNNER_TEMP; the post step removes it. */
  workDir: 'work-dir',
} as const;
