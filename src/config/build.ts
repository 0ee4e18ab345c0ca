import path from 'node:path';
import { InputError } from '../errors.js';
import { goBinaryName, mainImportPath, parseGoMod } from '../go/gomod.js';
import { Inputs } from '../inputs.js';
import { formatPlatform, LINUX_GO_PLATFORMS, parsePlatformList, PlatformSyntaxError, unsupportedPlatforms, type Platform } from '../platform.js';
import { checkTemplate } from '../templates.js';
import { resolveInside } from './paths.js';
import { referenceInput } from './references.js';
import { keyValues, list, parseBoolean, parseEnum, type ConfigFs, type ParseContext } from './text.js';
import { COMPRESSION_ALGORITHMS, COMPRESSION_LEVELS, DEFAULT_COMPRESSION_LEVEL, type Compression } from '../image/compression.js';

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

const BUILD_TAG = /^[A-Za-z0-9_.]+$/;
const PORT = /^[0-9]{1,5}(?:\/(?:tcp|udp|sctp))?$/;
const BINARY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** What to compile: the module, the main package, the platforms, and how Go builds it. */
export interface SourceSettings {
  /** Absolute real folder of the Go module to build (inside the workspace). */
  workingDirectory: string;
  /** The main package, relative to workingDirectory, as `go build` takes it (`.`, `./cmd/api`). */
  mainPackage: string;
  /** File name of the binary inside the image (`/usr/local/bin/<name>`). */
  binaryName: string;
  platforms: Platform[];
  /** The user's extra -ldflags, appended after the stripping flags. */
  ldflags: string;
  buildTags: string[];
}

/** Which engine writes the image: buildx (BuildKit), direct (the action itself), or auto (see image/engine.ts). */
export const ENGINES = ['auto', 'buildx', 'direct'] as const;
export type EngineChoice = (typeof ENGINES)[number];

/** What the `setup-qemu` input allows: `auto` registers missing emulators, `false` fails at once (image/emulation.ts). */
export const SETUP_QEMU = ['false', 'auto'] as const;
export type SetupQemu = (typeof SETUP_QEMU)[number];

/** How BuildKit builds the image around the binaries. */
export interface ImageBuildSettings {
  engine: EngineChoice;
  /** Named buildx builder to use; empty for the current one. */
  builder: string;
  /** BuildKit address for a remote-driver builder the action creates. */
  buildkitEndpoint: string;
  /** Whether the action may register QEMU emulators a user's Dockerfile needs (image/emulation.ts). */
  setupQemu: SetupQemu;
  /** Ports for EXPOSE, e.g. `8080/tcp`. */
  expose: string[];
  build: BuildMode;
  /** Final stage base image (`scratch` by default). */
  baseImage: string;
  caCertificates: Tristate;
  timezoneData: Tristate;
  compression: Compression;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  annotations: string[];
  target: string;
  /** true, false, mode=min or mode=max (the modes mean something to BuildKit only; with referrers both are `true`). */
  provenance: string;
  sbom: boolean;
  /** How SBOM and provenance are attached: OCI referrers beside the image (both engines), or BuildKit's entries inside the index. */
  attestations: AttestationsChoice;
}

export type AttestationsChoice = 'referrers' | 'buildkit';

/** `./cmd/...`, `all`: go list patterns that match several packages. */
function isPackagePattern(mainPackage: string): boolean {
  return mainPackage.includes('...') || ['all', 'std', 'cmd', 'tool', 'work'].includes(mainPackage);
}

/**
 * What `go build` would name the binary: the last element of the main package's import path (before a
 * `/vN` suffix), read from working-directory's go.mod. Without a readable go.mod (merge mode, or an
 * error preflight reports), the main package's folder name.
 */
function defaultBinaryName(mainPackage: string, workingDirectory: string, fsImpl: ConfigFs): string {
  let importPath = path.basename(path.resolve(workingDirectory, mainPackage));
  try {
    importPath = mainImportPath(parseGoMod(fsImpl.readFileSync(path.join(workingDirectory, 'go.mod'), 'utf8')).module, mainPackage);
  } catch {
    // Keep the folder name.
  }
  const name = goBinaryName(importPath).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return name || 'app';
}

function parseMainPackage(mainPackage: string): string {
  if (path.isAbsolute(mainPackage) || mainPackage.split(/[\\/]/).includes('..')) {
    throw new InputError(Inputs.main.name, mainPackage, 'a package path inside working-directory such as . or ./cmd/server');
  }
  if (isPackagePattern(mainPackage)) {
    throw new InputError(
      Inputs.main.name,
      mainPackage,
      'one main package such as ./cmd/server: patterns are not accepted, since the image holds one binary ' +
        "(list the main packages with go list -f '{{if eq .Name \"main\"}}{{.ImportPath}}{{end}}' ./..., and build each in its own step or matrix leg)",
    );
  }
  return mainPackage;
}

function parsePlatforms(value: string): Platform[] {
  let platforms: Platform[];
  try {
    platforms = parsePlatformList(value);
  } catch (error) {
    if (error instanceof PlatformSyntaxError) {
      throw new InputError(Inputs.platforms.name, error.value, `a comma or newline list of os/arch[/variant] such as linux/amd64,linux/arm64 (${error.message})`);
    }
    throw error;
  }
  if (platforms.length === 0) throw new InputError(Inputs.platforms.name, value, 'at least one os/arch such as linux/amd64');
  const nonLinux = platforms.find((p) => p.os !== 'linux');
  if (nonLinux) throw new InputError(Inputs.platforms.name, formatPlatform(nonLinux), 'linux/<arch> platforms (container images run on Linux)');
  const unknown = unsupportedPlatforms(platforms, LINUX_GO_PLATFORMS)[0];
  if (unknown) throw new InputError(Inputs.platforms.name, unknown.platform, `a platform Go can build (closest: ${unknown.closest.join(', ')}; see go tool dist list)`);
  return platforms;
}

export function parseSourceSettings({ get, workspace, fs }: ParseContext): SourceSettings {
  const workingDirectory = resolveInside(workspace, Inputs.workingDirectory.name, get('workingDirectory'), workspace, fs);
  const mainPackage = parseMainPackage(get('main'));
  const platforms = parsePlatforms(get('platforms'));
  const binaryName = get('binaryName') || defaultBinaryName(mainPackage, workingDirectory, fs);
  if (!BINARY_NAME.test(binaryName)) throw new InputError(Inputs.binaryName.name, binaryName, 'a file name of letters, digits, . _ -');
  const buildTags = list(get('goBuildTags'));
  for (const tag of buildTags) {
    if (!BUILD_TAG.test(tag)) throw new InputError(Inputs.goBuildTags.name, tag, 'build tags of letters, digits, _ and .');
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
  return { workingDirectory, mainPackage, binaryName, platforms, ldflags: get('ldflags'), buildTags };
}

function parseCompression(algorithmValue: string, levelValue: string): Compression {
  const algorithm = parseEnum(Inputs.compression.name, algorithmValue, COMPRESSION_ALGORITHMS);
  const [min, max] = COMPRESSION_LEVELS[algorithm];
  if (levelValue === '') return { algorithm, level: DEFAULT_COMPRESSION_LEVEL[algorithm] };
  const level = Number(levelValue);
  if (!/^\d+$/.test(levelValue) || level < min || level > max) {
    throw new InputError(Inputs.compressionLevel.name, levelValue, `a whole number from ${min} to ${max} for ${algorithm} (default ${DEFAULT_COMPRESSION_LEVEL[algorithm]})`);
  }
  return { algorithm, level };
}

function parseBuildMode({ get, workspace, fs }: ParseContext, workingDirectory: string): BuildMode {
  const dockerfile = get('dockerfile');
  const mode = parseEnum(Inputs.dockerfileMode.name, get('dockerfileMode'), ['prebuilt', 'source'] as const);
  if (dockerfile) return { kind: 'dockerfile', path: resolveInside(workspace, Inputs.dockerfile.name, dockerfile, workingDirectory, fs) };
  if (mode === 'source') {
    const goImage = get('goImage');
    if (goImage) referenceInput(Inputs.goImage.name, goImage, { accepted: 'a golang image reference such as golang:1.26' });
    return { kind: 'source', goImage };
  }
  return { kind: 'prebuilt' };
}

/** metadata-action's annotation levels (`manifest:`, `index:[linux/amd64]`...) as buildx takes them. */
const ANNOTATION_KEY = /^(?:(?:manifest|index|manifest-descriptor|index-descriptor)(?:\[[A-Za-z0-9/_,.-]+\])?:)?[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/**
 * With one platform the image's root is a manifest, not an index (buildx and the direct engine both
 * write it so), so an index-level annotation has nothing to go on: refused here rather than by
 * BuildKit after the compile. A merge job always writes an index.
 */
export function refuseIndexAnnotations(annotations: readonly string[], platforms: readonly Platform[], mode: 'build' | 'merge'): void {
  if (mode !== 'build' || platforms.length !== 1) return;
  const indexLevel = annotations.find((annotation) => /^index(?:-descriptor)?(?:\[[^\]]*\])?:/.test(annotation));
  if (!indexLevel) return;
  throw new InputError(
    Inputs.annotations.name,
    indexLevel,
    `manifest-level annotations (key=value or manifest:key=value) when one platform is built (${formatPlatform(platforms[0]!)}): ` +
      'a single-platform image is a manifest with no index, so index: and index-descriptor: need several platforms',
  );
}

/**
 * Inputs that are valid but will do nothing in this configuration, as warnings for the entry point
 * (pure). build-args reach only a Dockerfile that runs something: your own (dockerfile), or the
 * generated build stage of dockerfile-mode: source (its RUN steps see the predefined proxy args).
 * The prebuilt mode's generated Dockerfile only copies files, and the direct engine builds only that mode.
 */
export function ignoredInputWarnings(settings: Pick<ImageBuildSettings, 'build' | 'buildArgs'>): string[] {
  const names = Object.keys(settings.buildArgs);
  if (names.length === 0 || settings.build.kind !== 'prebuilt') return [];
  return [
    `build-args (${names.join(', ')}) are ignored: in dockerfile-mode: prebuilt (the default, and the only mode of the direct engine) the binaries are compiled on the runner ` +
      'and the generated Dockerfile only copies them. They apply with your own Dockerfile (the dockerfile input) or with dockerfile-mode: source; remove them otherwise.',
  ];
}

export function parseImageBuildSettings(context: ParseContext, workingDirectory: string): ImageBuildSettings {
  const { get } = context;
  const expose = list(get('expose')).map((port) => {
    if (!PORT.test(port) || Number(port.split('/')[0]) > 65535) throw new InputError(Inputs.expose.name, port, 'ports such as 8080 or 8080/tcp, 53/udp');
    return port;
  });
  const baseImage = get('baseImage');
  if (baseImage !== 'scratch') referenceInput(Inputs.baseImage.name, baseImage, { accepted: 'scratch or an image reference such as gcr.io/distroless/static' });
  const tristate = (key: 'caCertificates' | 'timezoneData') => parseEnum<Tristate>(Inputs[key].name, get(key), ['auto', 'true', 'false']);

  const buildArgs = Object.fromEntries(keyValues(Inputs.buildArgs.name, get('buildArgs'), /^[A-Za-z_][A-Za-z0-9_]*$/, 'one NAME=value per line'));
  const labels = Object.fromEntries(keyValues(Inputs.labels.name, get('labels'), /^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'one key=value per line, e.g. org.opencontainers.image.vendor=Acme'));
  const annotations = keyValues(Inputs.annotations.name, get('annotations'), ANNOTATION_KEY, 'one [level:]key=value per line, e.g. index:org.opencontainers.image.description=API').map(
    ([key, value]) => `${key}=${value}`,
  );
  const provenance = get('provenance');
  if (!/^(true|false|mode=(min|max))$/.test(provenance)) throw new InputError(Inputs.provenance.name, provenance, 'true, false, mode=min or mode=max (the modes only with attestations: buildkit)');
  const target = get('target');
  if (target && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(target)) throw new InputError(Inputs.target.name, target, 'the name of a stage of your Dockerfile');
  if (target && !get('dockerfile')) throw new InputError(Inputs.target.name, target, 'empty unless dockerfile names your own Dockerfile (used with dockerfile, whose stages it picks)');
  if (get('goImage') && get('dockerfileMode') !== 'source') {
    throw new InputError(Inputs.goImage.name, get('goImage'), 'empty unless dockerfile-mode is source (used with dockerfile-mode: source, whose build stage it is)');
  }
  const builder = get('builder');
  const buildkitEndpoint = get('buildkitEndpoint');
  if (builder && buildkitEndpoint) {
    throw new InputError(Inputs.buildkitEndpoint.name, buildkitEndpoint, `either builder or buildkit-endpoint, not both (builder is "${builder}")`);
  }
  if (buildkitEndpoint && !/^(tcp|unix|ssh|docker-container|kube-pod|npipe):\/\/.+/.test(buildkitEndpoint)) {
    throw new InputError(Inputs.buildkitEndpoint.name, buildkitEndpoint, 'a BuildKit address such as tcp://127.0.0.1:1234 or unix:///run/buildkit/buildkitd.sock');
  }
  return {
    engine: parseEnum(Inputs.engine.name, get('engine'), ENGINES),
    builder,
    buildkitEndpoint,
    setupQemu: parseEnum(Inputs.setupQemu.name, get('setupQemu'), SETUP_QEMU),
    expose,
    build: parseBuildMode(context, workingDirectory),
    baseImage,
    caCertificates: tristate('caCertificates'),
    timezoneData: tristate('timezoneData'),
    compression: parseCompression(get('compression'), get('compressionLevel')),
    buildArgs,
    labels,
    annotations,
    target,
    provenance,
    sbom: parseBoolean(Inputs.sbom.name, get('sbom')),
    attestations: parseEnum<AttestationsChoice>(Inputs.attestations.name, get('attestations'), ['referrers', 'buildkit']),
  };
}
