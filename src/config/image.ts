import { InputError } from '../errors.js';
import { Inputs } from '../inputs.js';
import { formatPlatform, type Platform } from '../platform.js';
import { formatImageName, isValidTag, tagProblem, type ImageName } from '../reference.js';
import { referenceInput, type Notices } from './references.js';
import { list, parseBoolean, parseEnum, type ParseContext } from './text.js';

/** Where the image goes and under which names. */
export interface ImageSettings {
  /** Repository the image is pushed to, without tag. */
  image: ImageName;
  /** Full references (`registry/repo:tag`) to push; empty: derived from the GitHub context (see image/tags.ts). */
  tags: string[];
  /** undefined: true, except on pull requests whose token cannot push (forks, Dependabot). */
  push?: boolean;
  /** Load the (single-platform) image into the local Docker daemon. */
  load: boolean;
  /** A matrix leg: push the platform image by digest only, for a later `mode: merge` job. */
  pushByDigest: boolean;
  /** build, or merge: stitch the legs' digests into one multi-arch index. */
  mode: 'build' | 'merge';
}

function parseImage(value: string, notices: Notices): ImageName {
  if (!value.trim()) throw new InputError(Inputs.image.name, value, 'an image name such as ghcr.io/owner/app (required)');
  return referenceInput(Inputs.image.name, value, {
    accepted: 'an image name such as ghcr.io/owner/app',
    notices,
    refuse: (name) => (name.digest ? 'a digest cannot be pushed to' : undefined),
  });
}

const TAGS_ACCEPTED = 'a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}) or a full reference registry/name:tag';

/** Tag names apply to `image`; full references (with a registry or a slash) are taken as they are. */
function parseTags(value: string, image: ImageName, notices: Notices): string[] {
  const tags: string[] = [];
  const entries = list(value);
  // Only separators: an empty list given on purpose (a template that expanded to nothing), not "use the defaults".
  if (value.trim() && entries.length === 0) {
    throw new InputError(Inputs.tags.name, value, `${TAGS_ACCEPTED}, at least one in a comma or newline list (leave tags unset for the default tags)`);
  }
  for (const entry of entries) {
    if (isValidTag(entry)) {
      tags.push(formatImageName({ ...image, tag: entry }));
      continue;
    }
    // No registry, path, tag or digest separator: meant as a tag, so the tag rules say what is wrong.
    if (!/[/:@]/.test(entry)) throw new InputError(Inputs.tags.name, entry, `${TAGS_ACCEPTED} (${tagProblem(entry)})`);
    const name = referenceInput(Inputs.tags.name, entry, {
      accepted: TAGS_ACCEPTED,
      notices,
      refuse: (parsed) => (!parsed.tag || parsed.digest ? 'a full reference needs a tag' : undefined),
    });
    tags.push(formatImageName(name));
  }
  if (image.tag) tags.unshift(formatImageName(image));
  return [...new Set(tags)];
}

/** `image`, `tags`, and how the image leaves the run; `platforms` decides what load and push-by-digest may do. */
export function parseImageSettings({ get, read, notices }: ParseContext, platforms: readonly Platform[]): ImageSettings {
  const imageName = parseImage(read(Inputs.image.name), notices);
  const image: ImageName = { registry: imageName.registry, repository: imageName.repository };
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
  return {
    image,
    // An image input that carries its own tag means exactly that tag unless tags is set too.
    tags: parseTags(imageName.tag && !read(Inputs.tags.name).trim() ? '' : get('tags'), imageName, notices),
    ...(get('push') ? { push: parseBoolean(Inputs.push.name, get('push')) } : {}),
    load,
    pushByDigest,
    mode,
  };
}
