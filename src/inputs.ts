/**
 * Every input, output and state key of the action, named once. Defaults here must equal
 * action.yml's (a unit test compares them): the runner applies action.yml's, the CLI and
 * direct `node` runs rely on these.
 */
export const Inputs = {
  image: { name: 'image', default: '' },
  platforms: { name: 'platforms', default: 'linux/amd64' },
  workingDirectory: { name: 'working-directory', default: '.' },
  main: { name: 'main', default: '.' },
  binaryName: { name: 'binary-name', default: '' },
  tags: { name: 'tags', default: '' },
  push: { name: 'push', default: '' },
  load: { name: 'load', default: 'false' },
  pushByDigest: { name: 'push-by-digest', default: 'false' },
  mode: { name: 'mode', default: 'build' },
  cacheWrite: { name: 'cache-write', default: 'auto' },
  cacheBackend: { name: 'cache-backend', default: 'auto' },
  cacheRef: { name: 'cache-ref', default: '' },
  builder: { name: 'builder', default: '' },
  buildkitEndpoint: { name: 'buildkit-endpoint', default: '' },
  engine: { name: 'engine', default: 'auto' },
  ldflags: { name: 'ldflags', default: '' },
  goBuildTags: { name: 'go-build-tags', default: 'netgo,osusergo' },
  expose: { name: 'expose', default: '' },
  cgo: { name: 'cgo', default: 'false' },
  dockerfileMode: { name: 'dockerfile-mode', default: 'prebuilt' },
  dockerfile: { name: 'dockerfile', default: '' },
  baseImage: { name: 'base-image', default: 'scratch' },
  goImage: { name: 'go-image', default: '' },
  caCertificates: { name: 'ca-certificates', default: 'auto' },
  timezoneData: { name: 'timezone-data', default: 'auto' },
  compression: { name: 'compression', default: 'gzip' },
  compressionLevel: { name: 'compression-level', default: '' },
  goVersion: { name: 'go-version', default: '' },
  goVersionFile: { name: 'go-version-file', default: '' },
  checkLatest: { name: 'check-latest', default: 'false' },
  goDownloadBaseUrl: { name: 'go-download-base-url', default: '' },
  cache: { name: 'cache', default: 'true' },
  cacheSave: { name: 'cache-save', default: 'auto' },
  buildArgs: { name: 'build-args', default: '' },
  labels: { name: 'labels', default: '' },
  annotations: { name: 'annotations', default: '' },
  secrets: { name: 'secrets', default: '' },
  secretFiles: { name: 'secret-files', default: '' },
  target: { name: 'target', default: '' },
  provenance: { name: 'provenance', default: 'true' },
  sbom: { name: 'sbom', default: 'true' },
  attestations: { name: 'attestations', default: 'referrers' },
  baseline: { name: 'baseline', default: '' },
  comment: { name: 'comment', default: 'auto' },
  githubToken: { name: 'github-token', default: '' },
  sizeBudget: { name: 'size-budget', default: '' },
  maxIncrease: { name: 'max-increase', default: '' },
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
