import { InputError } from '../errors.js';
import { isRegistryHost, parseImageName, ImageReferenceError, type ImageName } from '../reference.js';

/** Things config parsing has to say without logging itself: the entry point logs them. */
export type Notices = string[];

/**
 * Splits a reference's text into what comes before the repository path (the registry host and `/`),
 * the path, and what follows (`:tag`, `@digest`), with the rule parseImageName uses for the host.
 */
function splitReferenceText(text: string): { host: string; path: string; suffix: string } {
  const at = text.indexOf('@');
  let rest = at >= 0 ? text.slice(0, at) : text;
  let suffix = at >= 0 ? text.slice(at) : '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    suffix = rest.slice(colon) + suffix;
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash >= 0 && isRegistryHost(first)) {
    return { host: rest.slice(0, slash + 1), path: rest.slice(slash + 1), suffix };
  }
  return { host: '', path: rest, suffix };
}

/**
 * A full reference with its repository path lower-cased (registries only take lower case there, and
 * `ghcr.io/${{ github.repository }}` is the usual way to spell one); the host, tag and digest stay as
 * written. Adds a notice when it changed something.
 */
export function lowerCaseRepository(input: string, text: string, notices: Notices): string {
  const value = text.trim();
  const { host, path, suffix } = splitReferenceText(value);
  const lowered = `${host}${path.toLowerCase()}${suffix}`;
  if (lowered !== value) notices.push(`${input}: ${value} → ${lowered} (repository paths are lower case only)`);
  return lowered;
}

export interface ReferenceInputOptions {
  /** What the input accepts, e.g. `an image name such as ghcr.io/owner/app`; the parser's reason follows in parentheses. */
  accepted: string;
  /** Lower-case the repository path first, with a notice (image, tags, cache-ref, baseline). */
  notices?: Notices;
  /** A further rule on the parsed name; returns the reason it is refused. */
  refuse?: (name: ImageName) => string | undefined;
}

/** Parses an input holding an image reference; any problem becomes an InputError naming the input. */
export function referenceInput(input: string, value: string, options: ReferenceInputOptions): ImageName {
  const text = options.notices ? lowerCaseRepository(input, value, options.notices) : value;
  try {
    const name = parseImageName(text);
    const refused = options.refuse?.(name) ?? dotlessHostProblem(name);
    if (refused) throw new ImageReferenceError(text, refused);
    return name;
  } catch (error) {
    if (!(error instanceof ImageReferenceError)) throw error;
    throw new InputError(input, value, `${options.accepted} (${error.message})`);
  }
}

/**
 * Docker reads `MyOrg/app` as registry host `MyOrg`. Meant is almost always Docker Hub's `myorg/app`,
 * so the action refuses to guess and says how to write either.
 */
function dotlessHostProblem(name: ImageName): string | undefined {
  const host = name.registry;
  if (host.includes('.') || host.includes(':') || host === 'localhost') return undefined;
  return (
    `"${host}" would be read as a registry host because it has upper case; ` +
    `for Docker Hub write docker.io/${host.toLowerCase()}/${name.repository}, for another registry its full host name`
  );
}
