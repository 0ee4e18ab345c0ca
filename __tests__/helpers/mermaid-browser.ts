/**
 * Renders the Mermaid blocks of a Markdown text the way GitHub does (the `mermaid` package, in a
 * real browser): Debian's headless Chromium driven by playwright-core, the page and mermaid's own
 * dist file served from a loopback HTTP server. Nothing leaves the machine: Chromium runs with its
 * background networking off and the page loads only from 127.0.0.1.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.GSI_CHROMIUM || '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (git-ignored). */
export const OUTPUT_DIR = path.join(import.meta.dirname, '..', 'output');

/** The fenced ```mermaid blocks of a Markdown text, their source only. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]!);
}

/** What the rendered chart holds: one entry per line drawn, with the number of points on it. */
export interface RenderedChart {
  svg: string;
  /** Points of each plotted line, in drawing order. */
  linePoints: number[];
  /** The stroke colour of each line. */
  lineColours: string[];
  /** The x-axis labels as drawn. */
  xLabels: string[];
}

/** The legend's emoji squares, drawn as coloured squares: Debian's Chromium has no emoji font (GitHub's readers do). */
const SQUARES: Record<string, string> = { '🟦': '#0969da', '🟧': '#fb8f44', '🟩': '#1a7f37', '🟪': '#8250df', '🟥': '#cf222e', '🟨': '#bf8700', '🟫': '#953800', '⬛': '#24292f' };
const squares = (html: string) => html.replace(/🟦|🟧|🟩|🟪|🟥|🟨|🟫|⬛/gu, (square) => `<span style="color:${SQUARES[square]}">■</span>`);

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function page(blocks: readonly string[], caption: readonly string[]): string {
  // GitHub renders each block on its own, light theme; the widths are those of a comment.
  return `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0;padding:16px;background:#fff;font-family:sans-serif;width:800px;display:inline-block}</style></head><body>
${blocks.map((block, i) => `<pre class="mermaid" id="chart-${i}">${escapeHtml(block)}</pre>`).join('\n')}
${caption.map((line) => `<p style="font-size:14px;margin:6px 0">${squares(escapeHtml(line)).replace(/`([^`]*)`/g, '<code>$1</code>')}</p>`).join('\n')}
<script src="/mermaid.min.js"></script>
<script>
mermaid.initialize({ startOnLoad: false, theme: 'default', securityLevel: 'strict' });
mermaid.run({ querySelector: '.mermaid' }).then(() => { document.body.dataset.rendered = 'yes'; }, (e) => { document.body.dataset.rendered = 'error: ' + e; });
</script></body></html>`;
}

async function serve(html: string): Promise<{ server: Server; url: string }> {
  const mermaidJs = readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('mermaid/package.json')), 'dist', 'mermaid.min.js'));
  const server = createServer((req, res) => {
    if (req.url === '/mermaid.min.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(mermaidJs);
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/**
 * Renders every Mermaid block of `markdown`, then the `caption` lines as plain paragraphs, saves a
 * screenshot of the page to `pngPath` and returns what the first chart's SVG holds.
 */
export async function renderMermaid(markdown: string, pngPath: string, caption: readonly string[] = []): Promise<RenderedChart> {
  const blocks = mermaidBlocks(markdown);
  if (blocks.length === 0) throw new Error('the Markdown holds no ```mermaid block');
  const { server, url } = await serve(page(blocks, caption));
  // A fresh profile each time (playwright passes it as --user-data-dir).
  const profile = mkdtempSync(path.join(os.tmpdir(), 'gsi-chromium-'));
  try {
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
      viewport: { width: 840, height: 600 },
      timeout: 60_000,
    });
    try {
      return await screenshotChart(browser, url, pngPath);
    } finally {
      await browser.close();
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
    rmSync(profile, { recursive: true, force: true });
  }
}

async function screenshotChart(browser: BrowserContext, url: string, pngPath: string): Promise<RenderedChart> {
  const tab = await browser.newPage();
  // Only the loopback page and its script: any other request fails the render.
  await tab.route('**/*', (route) => (route.request().url().startsWith(url) ? route.continue() : route.abort()));
  await tab.goto(url, { timeout: 60_000 });
  // Browser code as text: this file is type-checked without the DOM library.
  await tab.waitForFunction('document.body.dataset.rendered !== undefined', undefined, { timeout: 60_000 });
  const state = await tab.evaluate<string>('document.body.dataset.rendered');
  if (state !== 'yes') throw new Error(`mermaid did not render the chart: ${state}`);
  await tab.locator('body').screenshot({ path: pngPath });
  return tab.evaluate<RenderedChart>(`(() => {
    const svg = document.querySelector('#chart-0 svg');
    const lines = [...svg.querySelectorAll('g[class^="line-plot-"] path')];
    return {
      svg: svg.outerHTML,
      // A line is "M x,y L x,y ...": one point per command.
      linePoints: lines.map((line) => (line.getAttribute('d') || '').split(/[ML]/).filter((part) => part.trim() !== '').length),
      lineColours: lines.map((line) => line.getAttribute('stroke') || ''),
      xLabels: [...svg.querySelectorAll('g.bottom-axis g.label text')].map((text) => text.textContent || ''),
    };
  })()`);
}
