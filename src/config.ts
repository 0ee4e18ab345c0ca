import path from 'node:path';
import { InputError } from './errors.js';
import { Inputs, type InputKey } from './inputs.js';
import { formatPlatform, LINUX_GO_PLATFORMS, parsePlatformList, PlatformSyntaxError, unsupportedPlatforms, type Platform } from './platform.js';
import { formatImageName, isValidTag, parseImageName, ReferenceError, type ImageName } from './reference.js';
import { CACHE_SAVE_MODES, type CacheSaveMode } from './go/caches.js';
import { CACHE_WRITE_MODES, type CacheWrite } from './image/cache.js';
import { ENGINES, type EngineChoice } from './image/engine.js';
import { parseVersionSpec } from './go/versions.js';
import type { CommentMode } from './github/event.js';
import { parseIncrease, parseSize, type IncreaseLimit } from './report/gate.js';
import { checkTemplate } from './templates.js';

/** `auto` lets the action decide from the program's dependencies. */
export type Tristate = 'auto' | 'true' | 'false';

/** How the image is built. */
export type BuildMode =
  /** Binaries compiled on the runner; the generated Dockerfile only assembles them. */
  | { kind: 'prebuilt' }
  /** A generated self-contained Dockerfile that compiles inside BuildKit; `goImage` empty means golang:<resolved version>. */
  | { kind: 'source'; goImage: string }
  /** The user's own Dockerfile, used as it is (absolute path). */
  | { kind: 'dockerfile'; path: string };

export interface Compression {
  algorithm: 'gzip' | 'zstd';
  level: number;
}

/** Everything one run needs, parsed and validated once from the inputs. */
export interface Config {
  /** Absolute folder of the Go module to build (inside the workspace). */
  workingDirectory: string;
  /** The main package, relative to workingDirectory, as `go build` takes it (`.`, `./cmd/api`). */
  mainPackage: string;
  /** File name of the binary inside the image (`/usr/local/bin/<name>`). */
  binaryName: string;
  /** Repository the image is pushed to, without tag. */
  image: ImageName;
  /** Full references (`registry/repo:tag`) to push; empty: derived from the GitHub context (see image/tags.ts). */
  tags: string[];
  platforms: Platform[];
  /** undefined: true, except on pull requests whose token cannot push (forks, Dependabot). */
  push?: boolean;
  /** Load the (single-platform) image into the local Docker daemon. */
  load: boolean;
  /** A matrix leg: push the platform image by digest only, for a later `mode: merge` job. */
  pushByDigest: boolean;
  /** build, or merge: stitch the legs' digests into one multi-arch index. */
  mode: 'build' | 'merge';
  /** The main line's layer cache (`cache-ref`); undefined for `<image>:buildcache`. */
  cacheRef?: ImageName;
  cacheWrite: CacheWrite;
  cacheBackend: 'registry' | 'gha' | 'none';
  /** Named buildx builder to use; empty for the current one. */
  builder: string;
  /** BuildKit address for a remote-driver builder the action creates. */
  buildkitEndpoint: string;
  /** Who assembles the image (image/engine.ts decides `auto`). */
  engine: EngineChoice;
  /** The user's extra -ldflags, appended after the stripping flags. */
  ldflags: string;
  buildTags: string[];
  /** Ports for EXPOSE, e.g. `8080/tcp`. */
  expose: string[];
  build: BuildMode;
  /** Final stage base image (`scratch` by default). */
  baseImage: string;
  caCertificates: Tristate;
  timezoneData: Tristate;
  compression: Compression;
  go: GoRequest;
  /** Restore and save Go's module and build caches with the Actions cache service. */
  cache: boolean;
  cacheSave: CacheSaveMode;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  annotations: string[];
  /** Build secrets with their values (masked as soon as they are read). */
  secrets: { id: string; value: string }[];
  secretFiles: { id: string; path: string }[];
  target: string;
  provenance: string;
  sbom: boolean;
  /** Image to compare sizes with; undefined means the tag the default branch pushes. */
  baseline?: ImageName;
  comment: CommentMode;
  /** Token for the PR comment (the workflow token by default); masked in logs. */
  githubToken: string;
  /** Absolute per-platform limit of the compressed size, bytes. */
  sizeBudget?: number;
  /** Limit of the growth against the baseline. */
  maxIncrease?: IncreaseLimit;
}

/** Which Go to build with (see go/toolchain.ts). */
export interface GoRequest {
  versionSpec: string;
  versionFile: string;
  checkLatest: boolean;
  downloadBaseUrl: string;
}

/** Default level per algorithm: the smallest layers gzip can make; zstd's level that pulls as fast with a better ratio. */
export const DEFAULT_COMPRESSION_LEVEL = { gzip: 9, zstd: 19 } as const;
const COMPRESSION_LEVELS = { gzip: [0, 9], zstd: [0, 22] } as const;

/** Reads one raw input; returns '' when it is not set. */
export type InputReader = (name: string) => string;

const TRUE_VALUES = ['true', 'True', 'TRUE'];
const FALSE_VALUES = ['false', 'False', 'FALSE'];
const BUILD_TAG = /^[A-Za-z0-9_.]+$/;
const PORT = /^[0-9]{1,5}(?:\/(?:tcp|udp|sctp))?$/;
const BINARY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `KEY=VALUE` lines (newline-separated; values may hold commas and `=`). */
function keyValues(input: string, text: string, key: RegExp, accepted: string, secret = false): [string, string][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => Boolean(line))
    .map(({ line, index }) => {
      const eq = line.indexOf('=');
      const name = eq > 0 ? line.slice(0, eq).trim() : '';
      if (!key.test(name)) {
        // A line without `id=` may be a bare secret: never echo it.
        const shown = eq > 0 ? name : secret ? `<line ${index + 1}: no id=>` : line;
        throw new InputError(input, shown, accepted);
      }
      return [name, line.slice(eq + 1)] as [string, string];
    });
}

function list(text: string): string[] {
  return text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
}

function parseEnum<T extends string>(input: string, value: string, accepted: readonly T[]): T {
  if ((accepted as readonly string[]).includes(value)) return value as T;
  throw new InputError(input, value, `one of ${accepted.join(', ')}`);
}

function parseCompression(algorithmValue: string, levelValue: string): Compression {
  const algorithm = parseEnum(Inputs.compression.name, algorithmValue, ['gzip', 'zstd'] as const);
  const [min, max] = COMPRESSION_LEVELS[algorithm];
  if (levelValue === '') return { algorithm, level: DEFAULT_COMPRESSION_LEVEL[algorithm] };
  const level = Number(levelValue);
  if (!/^\d+$/.test(levelValue) || level < min || level > max) {
    throw new InputError(Inputs.compressionLevel.name, levelValue, `a whole number from ${min} to ${max} for ${algorithm}`);
  }
  return { algorithm, level };
}

function parseBuildMode(get: (key: InputKey) => string, workspace: string, workingDirectory: string): BuildMode {
  const dockerfile = get('dockerfile');
  const mode = parseEnum(Inputs.dockerfileMode.name, get('dockerfileMode'), ['prebuilt', 'source'] as const);
  if (dockerfile) {
    return { kind: 'dockerfile', path: resolveInside(workspace, Inputs.dockerfile.name, dockerfile, workingDirectory) };
  }
  if (mode === 'source') {
    const goImage = get('goImage');
    if (goImage) {
      try {
        parseImageName(goImage);
      } catch (error) {
        if (!(error instanceof ReferenceError)) throw error;
        throw new InputError(Inputs.goImage.name, goImage, `a golang image reference such as golang:1.26 (${error.message})`);
      }
    }
    return { kind: 'source', goImage };
  }
  return { kind: 'prebuilt' };
}

export function parseBoolean(input: string, value: string): boolean {
  if (TRUE_VALUES.includes(value)) return true;
  if (FALSE_VALUES.includes(value)) return false;
  throw new InputError(input, value, 'true or false');
}

/** Resolves a path input against `base` (the workspace unless said) and refuses one that escapes the workspace. */
export function resolveInside(workspace: string, input: string, value: string, base = workspace): string {
  const resolved = path.resolve(base, value);
  const relative = path.relative(workspace, resolved);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new InputError(input, value, `a path inside the workspace (${workspace})`);
  }
  return resolved;
}

function parseImage(value: string): ImageName {
  if (!value.trim()) throw new InputError(Inputs.image.name, value, 'an image name such as ghcr.io/owner/app (required)');
  try {
    const name = parseImageName(value);
    if (name.digest) throw new ReferenceError(value, 'a digest cannot be pushed to');
    return name;
  } catch (error) {
    if (error instanceof ReferenceError) {
      throw new InputError(Inputs.image.name, value, `an image name such as ghcr.io/owner/app (${error.message})`);
    }
    throw error;
  }
}

/** Tag names apply to `image`; full references (with a registry or a slash) are taken as they are. */
function parseTags(value: string, image: ImageName): string[] {
  const tags: string[] = [];
  for (const entry of list(value)) {
    if (isValidTag(entry)) {
      tags.push(formatImageName({ ...image, tag: entry }));
      continue;
    }
    try {
      const name = parseImageName(entry);
      if (!name.tag || name.digest) throw new ReferenceError(entry, 'a full reference needs a tag');
      tags.push(formatImageName(name));
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      throw new InputError(Inputs.tags.name, entry, `a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or a full reference registry/name:tag (${error.message})`);
    }
  }
  if (image.tag) tags.unshift(formatImageName(image));
  return [...new Set(tags)];
}

function defaultBinaryName(mainPackage: string, workingDirectory: string): string {
  const base = path.basename(path.resolve(workingDirectory, mainPackage));
  const name = base.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return name || 'app';
}

/** Builds the Config from raw inputs; throws InputError on the first bad one, before any slow work. */
export function parseConfig(read: InputReader, workspace: string): Config {
  const get = (key: InputKey): string => {
    const value = read(Inputs[key].name).trim();
    return value === '' ? Inputs[key].default : value;
  };

  const imageName = parseImage(read(Inputs.image.name));
  const image: ImageName = { registry: imageName.registry, repository: imageName.repository };

  const workingDirectory = resolveInside(workspace, Inputs.workingDirectory.name, get('workingDirectory'));
  const mainPackage = get('main');
  if (path.isAbsolute(mainPackage) || mainPackage.split(/[\\/]/).includes('..')) {
    throw new InputError(Inputs.main.name, mainPackage, 'a package path inside working-directory such as . or ./cmd/server');
  }

  let platforms: Platform[];
  try {
    platforms = parsePlatformList(get('platforms'));
  } catch (error) {
    if (error instanceof PlatformSyntaxError) {
      throw new InputError(Inputs.platforms.name, error.value, `a comma or newline list of os/arch[/variant] such as linux/amd64,linux/arm64 (${error.message})`);
    }
    throw error;
  }
  if (platforms.length === 0) throw new InputError(Inputs.platforms.name, get('platforms'), 'at least one os/arch such as linux/amd64');
  const nonLinux = platforms.find((p) => p.os !== 'linux');
  if (nonLinux) throw new InputError(Inputs.platforms.name, formatPlatform(nonLinux), 'linux/<arch> platforms (container images run on Linux)');
  const unknown = unsupportedPlatforms(platforms, LINUX_GO_PLATFORMS)[0];
  if (unknown) throw new InputError(Inputs.platforms.name, unknown.platform, `a platform Go can build (closest: ${unknown.closest.join(', ')}; see go tool dist list)`);

  const binaryName = get('binaryName') || defaultBinaryName(mainPackage, workingDirectory);
  if (!BINARY_NAME.test(binaryName)) throw new InputError(Inputs.binaryName.name, binaryName, 'a file name of letters, digits, . _ -');

  const buildTags = list(get('goBuildTags'));
  for (const tag of buildTags) {
    if (!BUILD_TAG.test(tag)) throw new InputError(Inputs.goBuildTags.name, tag, 'build tags of letters, digits, _ and .');
  }

  const expose = list(get('expose')).map((port) => {
    if (!PORT.test(port) || Number(port.split('/')[0]) > 65535) {
      throw new InputError(Inputs.expose.name, port, 'ports such as 8080 or 8080/tcp, 53/udp');
    }
    return port;
  });

  const cacheRefValue = get('cacheRef');
  let cacheRef: ImageName | undefined;
  if (cacheRefValue) {
    try {
      cacheRef = parseImageName(cacheRefValue);
      if (cacheRef.digest) throw new ReferenceError(cacheRefValue, 'a cache reference takes a tag, not a digest');
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      throw new InputError(Inputs.cacheRef.name, cacheRefValue, `an image reference such as ghcr.io/owner/app:buildcache (${error.message})`);
    }
  }

  if (parseBoolean(Inputs.cgo.name, get('cgo'))) {
    throw new InputError(
      Inputs.cgo.name,
      'true',
      'false: cgo is not supported yet, because cross-compiling cgo needs a C cross toolchain per target and a libc in the image. ' +
        'Use a pure-Go alternative of the C dependency (for example modernc.org/sqlite instead of mattn/go-sqlite3), ' +
        'or pass your own Dockerfile with the dockerfile input',
    );
  }
  checkTemplate(Inputs.ldflags.name, get('ldflags'));
  const baseImage = get('baseImage');
  if (baseImage !== 'scratch') {
    try {
      parseImageName(baseImage);
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      throw new InputError(Inputs.baseImage.name, baseImage, `scratch or an image reference such as gcr.io/distroless/static (${error.message})`);
    }
  }
  const tristate = (key: 'caCertificates' | 'timezoneData') => parseEnum<Tristate>(Inputs[key].name, get(key), ['auto', 'true', 'false']);

  const goVersion = get('goVersion');
  if (goVersion) parseVersionSpec(goVersion);
  const goVersionFile = get('goVersionFile');
  if (goVersionFile) resolveInside(workspace, Inputs.goVersionFile.name, goVersionFile, workingDirectory);
  const goDownloadBaseUrl = get('goDownloadBaseUrl');
  if (goDownloadBaseUrl && !/^https?:\/\/[^/\s]+/.test(goDownloadBaseUrl)) {
    throw new InputError(Inputs.goDownloadBaseUrl.name, goDownloadBaseUrl, 'an http(s) URL of a Go download mirror, e.g. https://mirrors.example.com/golang');
  }

  const buildArgs = Object.fromEntries(keyValues(Inputs.buildArgs.name, get('buildArgs'), /^[A-Za-z_][A-Za-z0-9_]*$/, 'one NAME=value per line'));
  const labels = Object.fromEntries(keyValues(Inputs.labels.name, get('labels'), /^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'one key=value per line, e.g. org.opencontainers.image.vendor=Acme'));
  const annotations = keyValues(Inputs.annotations.name, get('annotations'), /^(?:(?:manifest|index|manifest-descriptor|index-descriptor)(?:\[[a-z0-9/]+\])?:)?[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'one [level:]key=value per line, e.g. index:org.opencontainers.image.description=API').map(([k, v]) => `${k}=${v}`);
  const secretId = /^[A-Za-z0-9_.-]+$/;
  const secrets = keyValues(Inputs.secrets.name, get('secrets'), secretId, 'one id=value per line (the value is masked)', true).map(([id, value]) => ({ id, value }));
  const secretFiles = keyValues(Inputs.secretFiles.name, get('secretFiles'), secretId, 'one id=path per line, the path inside the workspace').map(([id, file]) => ({
    id,
    path: resolveInside(workspace, Inputs.secretFiles.name, file, workingDirectory),
  }));
  const provenance = get('provenance');
  if (!/^(true|false|mode=(min|max))$/.test(provenance)) throw new InputError(Inputs.provenance.name, provenance, 'false, true, mode=min or mode=max');
  const target = get('target');
  if (target && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(target)) throw new InputError(Inputs.target.name, target, 'the name of a stage of your Dockerfile');
  if (target && !get('dockerfile')) throw new InputError(Inputs.target.name, target, 'empty unless dockerfile names your own Dockerfile (used with dockerfile, whose stages it picks)');
  if (get('goImage') && get('dockerfileMode') !== 'source') {
    throw new InputError(Inputs.goImage.name, get('goImage'), 'empty unless dockerfile-mode is source (used with dockerfile-mode: source, whose build stage it is)');
  }

  const baselineValue = get('baseline');
  let baseline: ImageName | undefined;
  if (baselineValue) {
    try {
      baseline = parseImageName(baselineValue);
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      throw new InputError(Inputs.baseline.name, baselineValue, `an image reference to compare sizes with, such as ghcr.io/owner/app:main (${error.message})`);
    }
  }
  const sizeBudget = get('sizeBudget');
  const maxIncrease = get('maxIncrease');

  const mode = parseEnum(Inputs.mode.name, get('mode'), ['build', 'merge'] as const);
  const load = parseBoolean(Inputs.load.name, get('load'));
  const pushByDigest = parseBoolean(Inputs.pushByDigest.name, get('pushByDigest'));
  if (load && platforms.length > 1) {
    throw new InputError(Inputs.load.name, 'true', `false when several platforms are built (${platforms.map(formatPlatform).join(', ')}): Docker loads one platform at a time`);
  }
  if (pushByDigest && platforms.length > 1) {
    throw new InputError(Inputs.pushByDigest.name, 'true', 'false, or exactly one platform per matrix leg (strategy.matrix.platform)');
  }
  if (pushByDigest && get('push') === 'false') throw new InputError(Inputs.pushByDigest.name, 'true', 'false when push is false (a leg must push its digest)');

  const builder = get('builder');
  const buildkitEndpoint = get('buildkitEndpoint');
  if (builder && buildkitEndpoint) {
    throw new InputError(Inputs.buildkitEndpoint.name, buildkitEndpoint, `either builder or buildkit-endpoint, not both (builder is "${builder}")`);
  }
  if (buildkitEndpoint && !/^(tcp|unix|ssh|docker-container|kube-pod|npipe):\/\/.+/.test(buildkitEndpoint)) {
    throw new InputError(Inputs.buildkitEndpoint.name, buildkitEndpoint, 'a BuildKit address such as tcp://127.0.0.1:1234 or unix:///run/buildkit/buildkitd.sock');
  }

  return {
    workingDirectory,
    mainPackage,
    binaryName,
    image,
    // An image input that carries its own tag means exactly that tag unless tags is set too.
    tags: parseTags(imageName.tag && !read(Inputs.tags.name).trim() ? '' : get('tags'), imageName),
    platforms,
    ...(get('push') ? { push: parseBoolean(Inputs.push.name, get('push')) } : {}),
    load,
    pushByDigest,
    mode,
    ...(cacheRef ? { cacheRef } : {}),
    cacheWrite: parseEnum(Inputs.cacheWrite.name, get('cacheWrite'), CACHE_WRITE_MODES),
    cacheBackend: parseEnum(Inputs.cacheBackend.name, get('cacheBackend'), ['registry', 'gha', 'none'] as const),
    builder,
    buildkitEndpoint,
    engine: parseEnum(Inputs.engine.name, get('engine'), ENGINES),
    ldflags: get('ldflags'),
    buildTags,
    expose,
    build: parseBuildMode(get, workspace, workingDirectory),
    baseImage,
    caCertificates: tristate('caCertificates'),
    timezoneData: tristate('timezoneData'),
    compression: parseCompression(get('compression'), get('compressionLevel')),
    go: { versionSpec: goVersion, versionFile: goVersionFile, checkLatest: parseBoolean(Inputs.checkLatest.name, get('checkLatest')), downloadBaseUrl: goDownloadBaseUrl },
    cache: parseBoolean(Inputs.cache.name, get('cache')),
    cacheSave: parseEnum(Inputs.cacheSave.name, get('cacheSave'), CACHE_SAVE_MODES),
    buildArgs,
    labels,
    annotations,
    secrets,
    secretFiles,
    target,
    provenance,
    sbom: parseBoolean(Inputs.sbom.name, get('sbom')),
    ...(baseline ? { baseline } : {}),
    comment: parseEnum<CommentMode>(Inputs.comment.name, get('comment'), ['auto', 'always', 'never']),
    githubToken: get('githubToken'),
    ...(sizeBudget ? { sizeBudget: parseSize(sizeBudget, Inputs.sizeBudget.name) } : {}),
    ...(maxIncrease ? { maxIncrease: parseIncrease(maxIncrease, Inputs.maxIncrease.name) } : {}),
  };
}
