import { describe, expect, it } from '@jest/globals';
import type { Attribution } from '../../src/report/attribution.js';
import { compareAttributions, comparePackages } from '../../src/report/attribution.js';
import { commentMarker, renderSizeComment, renderSizeReport, type SizeReport } from '../../src/report/comment.js';
import { evaluateGate } from '../../src/report/gate.js';
import { compareWithBaseline, type Baseline, type PlatformSize } from '../../src/report/size.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

const sizes: PlatformSize[] = [
  {
    platform: 'linux/amd64',
    manifestDigest: digest('a'),
    compressed: 2_621_440,
    uncompressed: 6_815_744,
    layers: [
      { digest: digest('1'), compressed: 105_000, uncompressed: 220_160, holds: ['certificates', 'passwd'], files: 3 },
      { digest: digest('2'), compressed: 2_515_000, uncompressed: 6_595_584, holds: ['binary'], files: 1 },
    ],
  },
  {
    platform: 'linux/arm64',
    manifestDigest: digest('b'),
    compressed: 2_411_724,
    uncompressed: 6_291_456,
    layers: [
      { digest: digest('1'), compressed: 105_000, uncompressed: 220_160, holds: ['certificates', 'passwd'], files: 3 },
      { digest: digest('3'), compressed: 2_305_700, uncompressed: 6_071_296, holds: ['binary'], files: 1 },
    ],
  },
];
const baseline: Baseline = {
  state: 'found',
  ref: 'ghcr.io/acme/hello:main',
  digest: digest('9'),
  sizes: [{ platform: 'linux/amd64', manifestDigest: digest('8'), compressed: 2_555_904, uncompressed: 6_553_600, layers: [] }],
};
const before: Attribution = {
  goVersion: 'go1.26.8',
  mainModule: 'example.com/hello',
  total: 1_945_000,
  basis: 'pclntab',
  modules: [
    { module: 'std', kind: 'std', bytes: 700_000 },
    { module: '(read-only data)', kind: 'section', bytes: 600_000 },
    { module: '(function table)', kind: 'section', bytes: 500_000 },
    { module: '(data)', kind: 'section', bytes: 100_000 },
    { module: '(code alignment)', kind: 'section', bytes: 30_000 },
    { module: '(ELF headers, page alignment)', kind: 'section', bytes: 10_000 },
    { module: 'example.com/hello', kind: 'main', bytes: 3_000 },
    { module: '(unattributed)', kind: 'other', bytes: 2_000 },
  ],
};
const after: Attribution = {
  goVersion: 'go1.26.8',
  mainModule: 'example.com/hello',
  total: 2_074_000,
  basis: 'pclntab',
  modules: [
    { module: 'std', kind: 'std', bytes: 715_000 },
    { module: '(read-only data)', kind: 'section', bytes: 650_000 },
    { module: '(function table)', kind: 'section', bytes: 520_000 },
    { module: '(data)', kind: 'section', bytes: 101_000 },
    { module: 'golang.org/x/text', kind: 'dep', version: 'v0.42.0', bytes: 40_960 },
    { module: '(code alignment)', kind: 'section', bytes: 31_000 },
    { module: '(ELF headers, page alignment)', kind: 'section', bytes: 10_000 },
    { module: 'example.com/hello', kind: 'main', bytes: 4_040 },
    { module: '(unattributed)', kind: 'other', bytes: 2_000 },
  ],
};

function report(): SizeReport {
  const deltas = compareWithBaseline(sizes, baseline);
  return {
    image: 'ghcr.io/acme/hello',
    imageRef: `ghcr.io/acme/hello@${digest('c')}`,
    sizes,
    deltas,
    baseline,
    attribution: { platform: 'linux/amd64', current: after, changes: compareAttributions(before, after) },
    gate: evaluateGate(sizes, deltas, { budget: 2_621_440, maxIncrease: { kind: 'percent', percent: 2 } }),
    commit: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c',
  };
}

describe('size comment', () => {
  it('renders the representative case exactly', () => {
    expect(renderSizeComment(report())).toBe(`<!-- go-slim-image:ghcr.io/acme/hello -->
### Image size: \`ghcr.io/acme/hello\` (\`sha256:cccccccccccc\`)

| Platform | Compressed | Uncompressed | Δ compressed | Δ % |
| --- | ---: | ---: | ---: | ---: |
| linux/amd64 | 2.50 MiB | 6.50 MiB | ▲ +64.00 KiB | +2.56% |
| linux/arm64 | 2.30 MiB | 6.00 MiB | new platform | – |

Baseline: \`ghcr.io/acme/hello:main\` (\`sha256:999999999999\`). It has no image for linux/arm64.

**What grew** in the linux/amd64 binary, by module:

| Module | Before | After | Change |
| --- | ---: | ---: | ---: |
| \`golang.org/x/text\` v0.42.0 | – | 40.00 KiB | ▲ +40.00 KiB (new) |
| \`std\` | 683.6 KiB | 698.2 KiB | ▲ +14.65 KiB |
| \`example.com/hello\` | 2.93 KiB | 3.95 KiB | ▲ +1.02 KiB |

**Size gate**

- ✅ linux/amd64: the image is 2.50 MiB (2621440 bytes) compressed, within the size-budget of 2.50 MiB (2621440 bytes)
- ❌ linux/amd64: the image grew by 64.00 KiB (65536 bytes) (+2.56%) from 2.44 MiB (2555904 bytes) to 2.50 MiB (2621440 bytes) compressed, over the max-increase of 2%
- ✅ linux/arm64: the image is 2.30 MiB (2411724 bytes) compressed, within the size-budget of 2.50 MiB (2621440 bytes)
- ✅ linux/arm64: max-increase not checked, the baseline has no image for this platform

<details><summary>Layers</summary>

**linux/amd64** (\`sha256:aaaaaaaaaaaa\`)

| # | Holds | Compressed | Uncompressed | Digest |
| ---: | --- | ---: | ---: | --- |
| 1 | certificates, passwd | 102.5 KiB | 215.0 KiB | \`sha256:111111111111\` |
| 2 | binary | 2.40 MiB | 6.29 MiB | \`sha256:222222222222\` |

**linux/arm64** (\`sha256:bbbbbbbbbbbb\`)

| # | Holds | Compressed | Uncompressed | Digest |
| ---: | --- | ---: | ---: | --- |
| 1 | certificates, passwd | 102.5 KiB | 215.0 KiB | \`sha256:111111111111\` |
| 2 | binary | 2.20 MiB | 5.79 MiB | \`sha256:333333333333\` |

</details>

<details><summary>Binary by module (linux/amd64, go1.26.8)</summary>

| Module | Code | Share of the binary |
| --- | ---: | ---: |
| \`std\` | 698.2 KiB | 34.5% |
| \`golang.org/x/text\` v0.42.0 | 40.00 KiB | 2.0% |
| \`example.com/hello\` | 3.95 KiB | 0.2% |
| (unattributed) | 1.95 KiB | 0.1% |
| (read-only data) | 634.8 KiB | 31.3% |
| (function table) | 507.8 KiB | 25.1% |
| (data) | 98.63 KiB | 4.9% |
| (code alignment) | 30.27 KiB | 1.5% |
| (ELF headers, page alignment) | 9.77 KiB | 0.5% |

A module's size is its code, read from the function table of the shipped binary. The rows in parentheses have no names once the binary is stripped (read-only data holds types, strings and tables), so they are not split among modules. 1.98 MiB in all: the whole file.

</details>

<sub>go-slim-image · updated for 0f1e2d3c4b5a</sub>
`);
  });

  it('keeps the wording of an attribution made from an unstripped build\'s symbols', () => {
    const fromSymbols: Attribution = { ...after };
    delete fromSymbols.basis;
    const markdown = renderSizeReport({ ...report(), attribution: { platform: 'linux/amd64', current: fromSymbols } });
    expect(markdown).toContain('| Module | Size | Share |');
    expect(markdown).toContain('Code and data symbols of an unstripped build of the same package: 1.98 MiB in all.');
  });

  it('says so when there is no baseline yet, and the job summary has no marker', () => {
    const first: SizeReport = { image: 'ghcr.io/acme/hello', sizes: [{ ...sizes[0]!, layers: [] }], deltas: compareWithBaseline(sizes.slice(0, 1), { state: 'missing', ref: 'ghcr.io/acme/hello:main' }), baseline: { state: 'missing', ref: 'ghcr.io/acme/hello:main' } };
    const summary = renderSizeReport(first);
    expect(summary).toBe(`### Image size: \`ghcr.io/acme/hello\`

| Platform | Compressed | Uncompressed | Δ compressed | Δ % |
| --- | ---: | ---: | ---: | ---: |
| linux/amd64 | 2.50 MiB | 6.50 MiB | – | – |

Baseline: \`ghcr.io/acme/hello:main\` does not exist yet, so there is nothing to compare with (it will after the default branch pushes it).
`);
    expect(summary).not.toContain('<!--');
  });

  it('a shrinking image shows a down arrow', () => {
    const smaller = { ...baseline, sizes: [{ ...baseline.sizes[0]!, compressed: 2_700_000 }] };
    expect(renderSizeReport({ ...report(), baseline: smaller, deltas: compareWithBaseline(sizes, smaller), gate: [] })).toContain('| linux/amd64 | 2.50 MiB | 6.50 MiB | ▼ -76.72 KiB | -2.91% |');
  });

  it('names the packages of std and the main module that grew, the other changes summed', () => {
    const withPackages = report();
    const packageChanges = comparePackages(
      { ...before, packages: [{ package: 'net/http', module: 'std', bytes: 300_000 }, { package: 'main', module: 'example.com/hello', bytes: 3_000 }] },
      {
        ...after,
        packages: [
          { package: 'net/http', module: 'std', bytes: 301_000 },
          { package: 'encoding/xml', module: 'std', bytes: 14_000 },
          { package: 'main', module: 'example.com/hello', bytes: 4_040 },
        ],
      },
    );
    withPackages.attribution = { ...withPackages.attribution!, packageChanges: packageChanges! };
    expect(renderSizeReport(withPackages)).toContain(
      [
        'By package of `std` and `example.com/hello`:',
        '',
        '| Package | Before | After | Change |',
        '| --- | ---: | ---: | ---: |',
        '| `encoding/xml` | – | 13.67 KiB | ▲ +13.67 KiB (new) |',
        '| `main` | 2.93 KiB | 3.95 KiB | ▲ +1.02 KiB |',
        '| `net/http` | 293.0 KiB | 293.9 KiB | ▲ +1000 B |',
      ].join('\n'),
    );
  });

  it('keeps the marker a valid HTML comment for any repository name', () => {
    expect(commentMarker('r.io/a--b/c---d')).toBe('<!-- go-slim-image:r.io/a%2D%2Db/c%2D%2D%2Dd -->');
  });
});
