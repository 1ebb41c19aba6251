/**
 * Renders an HTML file in headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core, which downloads no browser of its own) and reports what a person would
 * notice: console errors, uncaught exceptions, requests leaving the page, images that did not
 * decode, and a screenshot.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface RenderedPage {
  /** Console errors and uncaught exceptions. */
  errors: string[];
  /** URLs requested besides the page itself (a self-contained page requests none). */
  requests: string[];
  images: { alt: string; complete: boolean; naturalWidth: number }[];
  svgs: number;
  headings: string[];
  text: string;
  screenshot: Uint8Array;
}

/** Skips the test locally, fails it under CI, when Chromium is not installed. */
export function requireChromium(ctx: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  const message = `${CHROMIUM} is missing: apt-get install -y chromium`;
  if (process.env.CI) throw new Error(message);
  ctx.skip();
}

export async function renderPage(htmlPath: string): Promise<RenderedPage> {
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch (e) {
    throw new Error(`playwright-core is missing (a devDependency; npm ci installs it): ${(e as Error).message}`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'edgetpu-learn-chromium-'));
  const context = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1100, height: 900 },
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(htmlPath).href;
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    page.on('request', (r) => {
      if (r.url() !== url && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    // Evaluated in the page (the project's TypeScript has no DOM types, hence the string).
    const facts = (await page.evaluate(`({
      images: Array.from(document.images, (i) => ({ alt: i.alt, complete: i.complete, naturalWidth: i.naturalWidth })),
      svgs: document.querySelectorAll('svg').length,
      headings: Array.from(document.querySelectorAll('h1, h2'), (h) => h.textContent || ''),
      text: document.body.innerText,
    })`)) as Pick<RenderedPage, 'images' | 'svgs' | 'headings' | 'text'>;
    const screenshot = await page.screenshot({ fullPage: true });
    return { errors, requests, ...facts, screenshot };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
