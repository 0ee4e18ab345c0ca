import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/config.js';
import { lowerCaseRepository, referenceInput } from '../../src/config/references.js';
import { inputErrorOf } from '../helpers/input-error.js';

const workspace = '/work/space';
const configFrom = (inputs: Record<string, string>) => parseConfig((name) => inputs[name] ?? '', workspace);


describe('lowerCaseRepository', () => {
  it.each([
    ['ghcr.io/MyOrg/MyRepo', 'ghcr.io/myorg/myrepo'],
    // The host keeps its case; the tag keeps its case too (tags may have upper case).
    ['Registry.Example.com:5000/Team/App:Release-1', 'Registry.Example.com:5000/team/app:Release-1'],
    [`ghcr.io/Org/App@sha256:${'a'.repeat(64)}`, `ghcr.io/org/app@sha256:${'a'.repeat(64)}`],
    ['localhost/Dev/App', 'localhost/dev/app'],
    // Docker Hub: no host written, so the whole path is lower-cased.
    ['acme/MyApp', 'acme/myapp'],
    ['Golang', 'golang'],
    // Docker reads an upper-case first component as a host: it is left alone (and refused later).
    ['MyOrg/MyRepo', 'MyOrg/myrepo'],
    ['ghcr.io/acme/app', 'ghcr.io/acme/app'],
  ])('%s -> %s', (text, lowered) => {
    const notices: string[] = [];
    expect(lowerCaseRepository('image', text, notices)).toBe(lowered);
    expect(notices).toEqual(lowered === text ? [] : [`image: ${text} → ${lowered} (repository paths are lower case only)`]);
  });
});

describe('referenceInput', () => {
  it('converts every parse problem into an InputError naming the input, the value and what is accepted', () => {
    const error = inputErrorOf(() => referenceInput('base-image', 'gcr.io/distroless/Static', { accepted: 'an image reference' }));
    expect(error.input).toBe('base-image');
    expect(error.value).toBe('gcr.io/distroless/Static');
    expect(error.message).toMatch(/expected an image reference \("Static" is not a valid repository name component: upper case is not allowed/);
  });

  it('applies a further rule', () => {
    const error = inputErrorOf(() => referenceInput('tags', 'ghcr.io/a/b', { accepted: 'x', refuse: (name) => (name.tag ? undefined : 'a full reference needs a tag') }));
    expect(error.message).toMatch(/a full reference needs a tag/);
  });

  it('refuses an upper-case Docker Hub owner rather than push to a host of that name', () => {
    const error = inputErrorOf(() => referenceInput('image', 'MyOrg/MyRepo', { accepted: 'an image name', notices: [] }));
    expect(error.message).toMatch(/"MyOrg" would be read as a registry host .*docker\.io\/myorg\/myrepo/);
  });
});

describe('mixed-case repositories in the config', () => {
  it('lower-cases image, tags, cache-ref and baseline given as full references, and says so', () => {
    const config = configFrom({
      image: 'ghcr.io/MyOrg/MyRepo',
      tags: 'Edge, ghcr.io/MyOrg/Other:V1',
      'cache-ref': 'ghcr.io/MyOrg/Cache:main',
      baseline: 'ghcr.io/MyOrg/MyRepo:main',
    });
    expect(config.image).toEqual({ registry: 'ghcr.io', repository: 'myorg/myrepo' });
    expect(config.tags).toEqual(['ghcr.io/myorg/myrepo:Edge', 'ghcr.io/myorg/other:V1']);
    expect(config.cacheRef).toEqual({ registry: 'ghcr.io', repository: 'myorg/cache', tag: 'main' });
    expect(config.baseline).toEqual({ registry: 'ghcr.io', repository: 'myorg/myrepo', tag: 'main' });
    expect(config.notices).toEqual([
      'image: ghcr.io/MyOrg/MyRepo → ghcr.io/myorg/myrepo (repository paths are lower case only)',
      'tags: ghcr.io/MyOrg/Other:V1 → ghcr.io/myorg/other:V1 (repository paths are lower case only)',
      'cache-ref: ghcr.io/MyOrg/Cache:main → ghcr.io/myorg/cache:main (repository paths are lower case only)',
      'baseline: ghcr.io/MyOrg/MyRepo:main → ghcr.io/myorg/myrepo:main (repository paths are lower case only)',
    ]);
  });

  it('keeps base-image and go-image as written: they are pulled, and must already be valid', () => {
    expect(inputErrorOf(() => configFrom({ image: 'ghcr.io/a/b', 'base-image': 'gcr.io/Distroless/static' })).input).toBe('base-image');
  });

  it.each([
    ['image', 'ghcr.io/acme/my app', /" " is not allowed \(lower-case letters, digits, and the separators \. _ __ - between them\)/],
    ['image', 'ghcr.io/acme/app!', /"!" is not allowed/],
    ['image', 'ghcr.io/acme/-app', /must start and end with a letter or digit/],
    ['image', 'ghcr.io//app', /it is empty/],
    ['image', 'ghcr.io/acme/app:v1 beta', /"v1 beta" is not a valid tag: " " is not allowed \(letters, digits, _ \. -\)/],
    ['image', 'ghcr_io.example/app', /"ghcr_io\.example" is not a valid registry host: "_" is not allowed/],
    ['image', 'ghcr-.io/app', /label must start and end with a letter or digit/],
    ['cache-ref', 'ghcr.io/acme/cache#1', /"#" is not allowed/],
  ])('%s %j: the error names the character and what is allowed', (input, value, reason) => {
    const error = inputErrorOf(() => configFrom({ image: 'ghcr.io/a/b', [input]: value }));
    expect(error.input).toBe(input);
    expect(error.message).toMatch(reason);
  });
});
