/**
 * The SBOM of one platform image, SPDX 2.3 JSON (pure), made from what the image holds: the
 * shipped binary's build info, the CA bundle and Go's zoneinfo when the image has them, and the
 * base image. Nothing in it depends on the engine, the clock or the run: the namespace and the
 * creation time come from the image itself, so both engines and every rerun give the same bytes.
 */
import type { BuildInfo } from '../go/buildinfo.js';

export const SPDX_MEDIA_TYPE = 'application/spdx+json';

export interface PlatformImageFacts {
  /** os/arch[/variant]. */
  platform: string;
  /** The platform image manifest's digest: what the SBOM describes. */
  manifestDigest: string;
  /** The image config's `created` (SOURCE_DATE_EPOCH); the SBOM's creation time. */
  created: string;
  /** The image's short name (the binary's), the purl's name: no registry or repository, so the bytes do not depend on where it is pushed. */
  imageName: string;
  binary?: { path: string; sha256: string; buildInfo: BuildInfo };
  /** Present when the image holds the pinned Debian CA bundle byte for byte. */
  caCertificates?: { version: string; path: string };
  /** Present when the image holds Go's zoneinfo.zip. */
  zoneinfo?: { path: string; sha256: string };
  /** The base image's platform manifest, when the image is not built FROM scratch. */
  baseImage?: { reference: string; digest: string };
  /** `Tool: …` in creationInfo. */
  tool: string;
}

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  supplier?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  packageFileName?: string;
  checksums?: { algorithm: string; checksumValue: string }[];
  primaryPackagePurpose?: string;
  externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string; comment?: string }[];
  comment?: string;
  annotations?: { annotationDate: string; annotationType: 'OTHER'; annotator: string; comment: string }[];
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
}

/** purl segments are percent-encoded; `/` separates the namespace's segments. */
const purlPath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
const purlVersion = (version: string) => encodeURIComponent(version);

/** `pkg:golang/…@version`; a main module built from a checkout has version `(devel)` and no version in its purl. */
export function golangPurl(modulePath: string, version: string | undefined): string {
  const versioned = version && version !== '(devel)';
  return `pkg:golang/${purlPath(modulePath)}${versioned ? `@${purlVersion(version)}` : ''}`;
}

/** The build settings that say how the binary was made (`-ldflags` is left out: it is the user's and may hold anything). */
const SETTING = /^(GOOS|GOARCH|GO(AMD64|ARM|ARM64|386|MIPS|MIPS64|PPC64|RISCV64|WASM)|CGO_ENABLED|GOEXPERIMENT|GOFIPS140|DefaultGODEBUG|-tags|-trimpath|-buildmode|-compiler|vcs(\..+)?)$/;

export function buildSettingsLine(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .filter(([key]) => SETTING.test(key))
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
}

/**
 * go.sum's `h1:` is a SHA-256 of the module's file list and their hashes (dirhash), not of any file
 * one can download, so it is not an SPDX checksum (a consumer would compare it with the module zip
 * and fail). It is kept verbatim on the purl reference, where it can be compared with go.sum.
 */
function moduleRef(modulePath: string, version: string | undefined, sum: string | undefined) {
  return { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: golangPurl(modulePath, version), ...(sum ? { comment: `go.sum ${sum}` } : {}) };
}

const hex = (digest: string) => digest.replace(/^sha256:/, '');

type AddPackage = (pkg: SpdxPackage, relationshipType: string, from?: string) => void;

const IMAGE_ID = 'SPDXRef-Image';

/** The image itself: the document describes it, and every other package hangs off it. */
function imagePackage(facts: PlatformImageFacts): SpdxPackage {
  const [os, arch, variant] = facts.platform.split('/');
  return {
    SPDXID: IMAGE_ID,
    name: facts.imageName,
    versionInfo: facts.manifestDigest,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    checksums: [{ algorithm: 'SHA256', checksumValue: hex(facts.manifestDigest) }],
    primaryPackagePurpose: 'CONTAINER',
    externalRefs: [
      {
        referenceCategory: 'PACKAGE-MANAGER',
        referenceType: 'purl',
        referenceLocator: `pkg:oci/${encodeURIComponent(facts.imageName.toLowerCase())}@${encodeURIComponent(facts.manifestDigest)}?arch=${arch}&os=${os}${variant ? `&variant=${variant}` : ''}`,
      },
    ],
  };
}

/** The Go program from its build info: the main module, the toolchain's standard library, every dependency module. */
function addGoProgram(facts: PlatformImageFacts, add: AddPackage): void {
  if (!facts.binary) return;
  const annotator = `Tool: ${facts.tool}`;
  const { created } = facts;
    const info = facts.binary.buildInfo;
    const mainId = 'SPDXRef-Go-main';
    const settings = buildSettingsLine(info.settings);
    add(
      {
        SPDXID: mainId,
        name: info.mainModule || info.path,
        versionInfo: info.mainVersion ?? '(devel)',
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        packageFileName: facts.binary.path,
        checksums: [{ algorithm: 'SHA256', checksumValue: facts.binary.sha256 }],
        primaryPackagePurpose: 'APPLICATION',
        externalRefs: [moduleRef(info.mainModule || info.path, info.mainVersion, info.mainSum)],
        comment: `The Go program at ${facts.binary.path} (main package ${info.path}), read from its build info`,
        ...(settings ? { annotations: [{ annotationDate: created, annotationType: 'OTHER' as const, annotator, comment: `go build settings: ${settings}` }] } : {}),
      },
      'CONTAINS',
    );
    if (info.goVersion) {
      add(
        {
          SPDXID: 'SPDXRef-Go-stdlib',
          name: 'stdlib',
          versionInfo: info.goVersion,
          downloadLocation: `https://go.dev/dl/`,
          filesAnalyzed: false,
          externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: `pkg:golang/stdlib@${purlVersion(info.goVersion.replace(/^go/, ''))}` }],
          comment: 'The Go toolchain and standard library the binary was built with',
        },
        'DEPENDS_ON',
        mainId,
      );
    }
    info.deps.forEach((dep, i) => {
      add(
        {
          SPDXID: `SPDXRef-Go-module-${i + 1}`,
          name: dep.path,
          versionInfo: dep.version,
          downloadLocation: dep.version && dep.version !== '(devel)' ? `https://proxy.golang.org/${dep.path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`)}/@v/${dep.version}.zip` : 'NOASSERTION',
          filesAnalyzed: false,
          externalRefs: [moduleRef(dep.path, dep.version, dep.replacedBy ? dep.replacementSum : dep.sum)],
          ...(dep.replacedBy ? { comment: `replaced by ${dep.replacedBy}` } : {}),
        },
        'DEPENDS_ON',
        mainId,
      );
    });
  }

/** What else the image holds: the CA bundle, Go's zoneinfo, the base image. */
function addImageContents(facts: PlatformImageFacts, add: AddPackage): void {
  if (facts.caCertificates) {
    const { version } = facts.caCertificates;
    add(
      {
        SPDXID: 'SPDXRef-Deb-ca-certificates',
        name: 'ca-certificates',
        versionInfo: version,
        supplier: 'Organization: Debian',
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: `pkg:deb/debian/ca-certificates@${purlVersion(version)}?arch=all&distro=debian-12` }],
        comment: `Mozilla's root certificates as Debian packages them, at ${facts.caCertificates.path}`,
      },
      'CONTAINS',
    );
  }
  if (facts.zoneinfo) {
    const goVersion = facts.binary?.buildInfo.goVersion;
    add(
      {
        SPDXID: 'SPDXRef-Go-zoneinfo',
        name: 'zoneinfo.zip',
        ...(goVersion ? { versionInfo: goVersion } : {}),
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        packageFileName: facts.zoneinfo.path,
        checksums: [{ algorithm: 'SHA256', checksumValue: facts.zoneinfo.sha256 }],
        comment: "The IANA time zone database as Go ships it ($GOROOT/lib/time/zoneinfo.zip)",
      },
      'CONTAINS',
    );
  }
  if (facts.baseImage) {
    const { reference, digest } = facts.baseImage;
    const name = reference.replace(/[:@].*$/, '').split('/').pop() ?? reference;
    add(
      {
        SPDXID: 'SPDXRef-Base-image',
        name: reference,
        versionInfo: digest,
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        checksums: [{ algorithm: 'SHA256', checksumValue: hex(digest) }],
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: `pkg:oci/${encodeURIComponent(name.toLowerCase())}@${encodeURIComponent(digest)}?repository_url=${encodeURIComponent(reference.replace(/[:@][^/]*$/, ''))}` }],
      },
      'DESCENDANT_OF',
    );
    // DESCENDANT_OF reads "image descends from base": the image is the element, the base the related one.
  }
}

export function spdxDocument(facts: PlatformImageFacts): SpdxDocument {
  const { created } = facts;
  const packages: SpdxPackage[] = [imagePackage(facts)];
  const relationships: SpdxDocument['relationships'] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: IMAGE_ID }];
  const add: AddPackage = (pkg, relationshipType, from = IMAGE_ID) => {
    packages.push(pkg);
    relationships.push({ spdxElementId: from, relationshipType, relatedSpdxElement: pkg.SPDXID });
  };
  addGoProgram(facts, add);
  addImageContents(facts, add);
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${facts.imageName} ${facts.platform} ${facts.manifestDigest}`,
    documentNamespace: `https://spdx.org/spdxdocs/go-slim-image/${encodeURIComponent(facts.imageName)}/sha256-${hex(facts.manifestDigest)}`,
    creationInfo: { created, creators: [`Tool: ${facts.tool}`] },
    packages,
    relationships,
  };
}

/** The bytes pushed and written: stable key order (as built above), two-space indent, a final newline. */
export function serializeSpdx(document: SpdxDocument): Buffer {
  return Buffer.from(`${JSON.stringify(document, null, 2)}\n`);
}
