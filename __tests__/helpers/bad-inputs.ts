/**
 * A bad value for every input of action.yml, with what the message must say. The unit suite
 * (config-bad-input.test.ts) runs every case through parseConfig; the integration suite
 * (bad-input-table.test.ts) runs the cases only the running action finds, and a few others end to end.
 */
export interface BadInput {
  /** The input the message must name. */
  input: string;
  /** The value the message must show (JSON-quoted, as InputError writes it). */
  value: string;
  /** What the message must say is accepted. */
  accepted: RegExp;
  /** Inputs to set; defaults to `{ [input]: value }`. */
  set?: Record<string, string>;
  /** For errors that are not an InputError: the whole message (must still name input and value). */
  message?: RegExp;
  /** Text the message must not show (a secret). */
  hidden?: string;
  /** Found only by running the action (buildx, or a file check before Go is set up): no unit case. */
  runtime?: boolean;
}

export const bad = (input: string, value: string, accepted: RegExp, extra: Partial<BadInput> = {}): [string, BadInput] => [
  `${input}: ${JSON.stringify(value)}${extra.set ? ` with ${Object.entries(extra.set).filter(([k]) => k !== input).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`,
  { input, value, accepted, ...extra },
];

export const BOOL = /true or false/;

export const BAD_INPUTS: [string, BadInput][] = [
  // image: required, a repository reference without digest
  bad('image', '', /an image name such as ghcr\.io\/owner\/app \(required\)/),
  bad('image', 'ghcr.io/owner/my app', /an image name such as .*"my app" is not a valid repository name component: " " is not allowed/),
  bad('image', 'Owner/App', /"Owner" would be read as a registry host .*docker\.io\/owner\/app/),
  bad('image', 'ghcr.io/owner/app:bad tag!', /an image name such as .*not a valid tag/),
  bad('image', `127.0.0.1:5000/owner/app@sha256:${'a'.repeat(64)}`, /a digest cannot be pushed to/),
  bad('image', '127.0.0.1:99999/app', /"127\.0\.0\.1:99999" is not a valid registry host: port 99999 is not a TCP port \(1-65535\)/),
  // platforms: malformed, unknown arch, bad variant, not Linux, empty list
  bad('platforms', 'linux', /os\/arch\[\/variant\].*not of the form os\/arch/),
  bad('platforms', 'linux/amd65', /a platform Go can build \(closest: linux\/amd64/),
  bad('platforms', 'linux/arm/v9', /arm accepts the variants v5, v6, v7/),
  bad('platforms', 'linux/amd64/v3/x', /not of the form os\/arch or os\/arch\/variant/),
  bad('platforms', 'windows/amd64', /linux\/<arch> platforms/),
  bad('platforms', ', ,', /at least one os\/arch/),
  // paths escaping the workspace
  bad('working-directory', '../..', /a path inside the workspace/),
  bad('working-directory', '/etc', /a path inside the workspace/),
  bad('working-directory', 'examples', /a folder holding a go\.mod/, { runtime: true }),
  bad('main', '../../cmd/x', /a package path inside working-directory/),
  bad('main', '/usr/src/app', /a package path inside working-directory/),
  bad('main', './cmd/...', /one main package such as \.\/cmd\/server: patterns are not accepted/),
  bad('binary-name', 'my app', /a file name of letters, digits/),
  bad('binary-name', '-rf', /a file name of letters, digits/),
  bad('tags', 'v1 beta', /a tag \(\[A-Za-z0-9_\]/),
  bad('tags', 'ghcr.io/owner/app', /a full reference needs a tag/),
  bad('tags', 'v'.repeat(129), /is not a valid tag: it is longer than 128 characters/),
  bad('tags', ',,', /at least one in a comma or newline list \(leave tags unset for the default tags\)/),
  bad('push', 'yes', BOOL),
  bad('load', 'maybe', BOOL),
  // output: KIND:PATH, docker-archive for one platform only
  bad('output', 'tar:image.tar', /oci:DIR \(an OCI layout folder\), oci-archive:FILE\.tar .* or docker-archive:FILE\.tar/),
  bad('output', 'docker-archive:i.tar', /oci:DIR or oci-archive:FILE\.tar for several platforms/, { set: { output: 'docker-archive:i.tar', platforms: 'linux/amd64,linux/arm64' } }),
  // conflicting inputs: load (or a matrix leg) with several platforms, a leg that does not push
  bad('load', 'true', /false when several platforms are built \(linux\/amd64, linux\/arm64\)/, { set: { push: 'true', load: 'true', platforms: 'linux/amd64,linux/arm64' } }),
  bad('push-by-digest', 'sometimes', BOOL),
  bad('push-by-digest', 'true', /exactly one platform per matrix leg/, { set: { 'push-by-digest': 'true', platforms: 'linux/amd64,linux/arm64' } }),
  bad('push-by-digest', 'true', /false when push is false/, { set: { 'push-by-digest': 'true', push: 'false' } }),
  bad('mode', 'deploy', /one of build, merge/),
  bad('cache-ref', 'registry.example/cache!', /an image reference such as ghcr\.io\/owner\/app:buildcache .*"!" is not allowed/),
  bad('cache-ref', `127.0.0.1:5000/a/b@sha256:${'b'.repeat(64)}`, /takes a tag, not a digest/),
  bad('cache-write', 'sometimes', /one of auto, always, never/),
  bad('cache-backend', 's3', /one of auto, registry, gha, none/),
  // builder: a name buildx does not know (checked by buildx, before Go is set up); builder with an endpoint
  bad('builder', 'gsi-no-such-builder', /check the name with `docker buildx ls`/, { message: /^Cannot use builder "gsi-no-such-builder": no builder "gsi-no-such-builder" found; check the name with `docker buildx ls`\.$/, runtime: true }),
  bad('buildkit-endpoint', 'tcp://127.0.0.1:1234', /either builder or buildkit-endpoint, not both/, { set: { 'buildkit-endpoint': 'tcp://127.0.0.1:1234' } }),
  bad('buildkit-endpoint', '127.0.0.1:1234', /a BuildKit address such as tcp:\/\/127\.0\.0\.1:1234/, { set: { builder: '', 'buildkit-endpoint': '127.0.0.1:1234' } }),
  bad('ldflags', '{{.Versoin}}', /Field one of Version, Commit, ShortCommit, Date/, { set: { ldflags: '-X main.version={{.Versoin}}' } }),
  bad('ldflags', '-X main.version={{.Version}', /an unbalanced \{\{ or \}\} was found/),
  bad('go-build-tags', 'net-go', /build tags of letters, digits, _ and \./),
  bad('expose', '80800', /ports such as 8080 or 8080\/tcp/),
  bad('expose', '8080/http', /ports such as 8080 or 8080\/tcp/),
  bad('cgo', 'true', /false: cgo is not supported yet.*modernc\.org\/sqlite.*dockerfile input/),
  bad('cgo', 'enabled', BOOL),
  bad('dockerfile-mode', 'distroless', /one of prebuilt, source/),
  bad('dockerfile', '../../../Dockerfile', /a path inside the workspace/),
  bad('dockerfile', 'No.Dockerfile', /the path of a Dockerfile relative to working-directory \(no such file\)/, { runtime: true }),
  bad('base-image', 'Distroless Static', /scratch or an image reference such as gcr\.io\/distroless\/static/),
  bad('go-image', 'golang:1.26 alpine', /a golang image reference such as golang:1\.26/, { set: { 'dockerfile-mode': 'source', 'go-image': 'golang:1.26 alpine' } }),
  bad('go-image', 'golang:1.26', /unless dockerfile-mode is source/),
  bad('ca-certificates', 'yes', /one of auto, true, false/),
  bad('timezone-data', 'utc', /one of auto, true, false/),
  bad('engine', 'docker', /one of auto, buildx, direct/),
  bad('setup-qemu', 'yes', /one of false, auto/),
  bad('compression', 'brotli', /one of gzip, zstd/),
  bad('compression-level', '13', /a whole number from 0 to 12 for gzip/),
  bad('compression-level', '23', /a whole number from 1 to 22 for zstd/, { set: { compression: 'zstd', 'compression-level': '23' } }),
  bad('compression-level', '0', /a whole number from 1 to 22 for zstd/, { set: { compression: 'zstd', 'compression-level': '0' } }),
  bad('compression-level', 'max', /a whole number from 0 to 12 for gzip/),
  bad('go-version', 'banana', /a Go version such as 1\.26\.3, 1\.26 or 1\.27rc1/),
  bad('go-version', '1.26.x.y', /a Go version such as 1\.26\.3/),
  bad('go-version-file', '../../../../etc/os-release', /a path inside the workspace/),
  bad('check-latest', 'always', BOOL),
  bad('go-download-base-url', 'ftp://mirror.example/golang', /an http\(s\) URL of a Go download mirror/),
  bad('go-download-base-url', 'mirror.example/golang', /an http\(s\) URL of a Go download mirror/),
  bad('cache', 'on', BOOL),
  bad('cache-save', 'sometimes', /one of auto, always, never/),
  bad('baseline', 'ghcr.io/owner/app:', /an image reference to compare sizes with/),
  bad('comment', 'sometimes', /one of auto, always, never/),
  bad('size-budget', '12MB?', /a number of bytes .*IEC KiB, MiB, GiB .*SI kB, MB, GB/),
  bad('size-budget', '-5MiB', /a number of bytes .*IEC KiB, MiB, GiB/),
  bad('size-budget', '1e3', /a number of bytes .*IEC KiB, MiB, GiB/),
  bad('max-increase', '5 percent', /a percentage \(e\.g\. 5% or 2\.5%\) or a number of bytes/),
  bad('max-increase', '12MB?', /a percentage .* or a number of bytes/),
  bad('history', '-1', /a whole number of builds from 0 to 100/),
  bad('history', '101', /a whole number of builds from 0 to 100/),
  bad('history', '30 builds', /a whole number of builds from 0 to 100/),
  bad('build-args', '1X', /one NAME=value per line/, { set: { 'build-args': '1X=2' } }),
  bad('labels', 'bad label', /one key=value per line/, { set: { labels: 'bad label=x' } }),
  bad('annotations', 'foo:bar', /one \[level:\]key=value per line/, { set: { annotations: 'foo:bar=1' } }),
  bad('annotations', 'index:b=2', /manifest-level annotations .*when one platform is built \(linux\/amd64\).*index: and index-descriptor: need several platforms/),
  bad('secrets', 'my id', /one id=value per line/, { set: { secrets: 'my id=s3cr3t-value' }, hidden: 's3cr3t-value' }),
  // A line without "id=" is shown whole: when it is the secret itself, the error prints it.
  bad('secrets', '(no id)', /one id=value per line/, { set: { secrets: 'ghp_0123456789abcdefSecretWithoutId' }, message: /^Input 'secrets' has an invalid value /, hidden: 'ghp_0123456789abcdefSecretWithoutId' }),
  bad('secret-files', '../../../../etc/passwd', /a path inside the workspace/, { set: { 'secret-files': 'npmrc=../../../../etc/passwd' } }),
  bad('secrets', '<line 1>', /buildx's syntax id=<id>,env=<variable>.*give exactly one of env= and src=/, { set: { secrets: 'id=s3cr3t-value' }, hidden: 's3cr3t-value' }),
  bad('target', 'a b', /the name of a stage of your Dockerfile/),
  bad('target', 'builder', /with dockerfile/),
  bad('provenance', 'yes', /true, false, mode=min or mode=max/),
  bad('sbom', 'maybe', BOOL),
  bad('attestations', 'in-index', /referrers, buildkit/),
];

/** Inputs where no value is wrong, with the reason; anything else needs a case above. */
export const NO_BAD_VALUE: Record<string, string> = {
  'github-token': 'any string is a token; an empty or refused one turns the PR comment into a warning (comments.test.ts)',
};

