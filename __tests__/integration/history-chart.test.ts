import { describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { renderSizeComment, type SizeReport } from '../../src/report/comment.js';
import { historyPoints, type HistoryEntry } from '../../src/report/history.js';
import { OUTPUT_DIR, renderMermaid } from '../helpers/mermaid-browser.js';

const MiB = 1024 * 1024;
const builds: HistoryEntry[] = Array.from({ length: 30 }, (_, i) => ({
  commit: `${(0x1a2b3c + i * 7919).toString(16)}00000`,
  date: '',
  sizes: { 'linux/amd64': Math.round(2.1 * MiB + i * 12_000 + (i > 21 ? 300_000 : 0)), 'linux/arm64': Math.round(1.95 * MiB + i * 11_000 + (i > 21 ? 280_000 : 0)) },
}));
const pr: HistoryEntry = { commit: 'feedbeef', date: '', sizes: { 'linux/amd64': 2.9 * MiB, 'linux/arm64': 2.75 * MiB } };

describe('the size history chart in a real browser', () => {
  it('renders the comment\'s Mermaid block as GitHub does: one line per platform, a point per build and the PR', async () => {
    const history = historyPoints(builds, pr, { limit: 30, records: false }, true)!;
    const report: SizeReport = {
      image: '127.0.0.1:5000/hello',
      sizes: Object.entries(pr.sizes).map(([platform, compressed]) => ({ platform, manifestDigest: `sha256:${'a'.repeat(64)}`, compressed, layers: [] })),
      deltas: [],
      baseline: { state: 'none' },
      history,
    };
    mkdirSync(OUTPUT_DIR, { recursive: true });
    const png = path.join(OUTPUT_DIR, 'history-chart-synthetic.png');
    const chart = await renderMermaid(renderSizeComment(report), png);
    console.log(`screenshot: ${png}`);
    expect(chart.linePoints).toEqual([31, 31]);
    expect(chart.xLabels.at(-1)).toBe('PR');
    expect(chart.lineColours).toEqual(['#0969da', '#fb8f44']);
  });
});
