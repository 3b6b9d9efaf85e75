// The demo page as a person meets it: `npm run demo`'s server (on a free port), headless Chromium
// (Debian's, driven by playwright-core), and the page's data-testid hooks. It trains 1 epoch of
// LeNet-5 in the page's worker, checks the test accuracy, that the page kept drawing frames while
// it trained, that a drawn vertical stroke reads as a 1, and that a saved model loads back to the
// same prediction. A screenshot is kept as build/test-artifacts/demo.png.
//
// Skipped (with the reason printed) where there is no Chromium, except under CI=true.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page } from 'playwright-core';
import { main, type DemoServer } from '../../src/cli/demo.js';
import { capture } from '../cli/util.js';
import { RELAXED_SIMD_PROBE } from '../../src/runtime/features.js';
import { haveChromiumFor, launchChromium } from '../helpers/chromium.js';

const haveChromium = haveChromiumFor('demo tests');

const ARTIFACTS = fileURLToPath(new URL('../../build/test-artifacts/', import.meta.url));

let browser: Browser;
let page: Page;
let demo: DemoServer | undefined;
let stopServer: AbortController;
let served: Promise<number>;
let scratch: string;
const output = capture();

const text = async (id: string) => (await page.locator(`[data-testid="${id}"]`).textContent())?.trim() ?? '';
const percent = (s: string): number => {
  const m = /(\d+(?:\.\d+)?)%/.exec(s);
  if (!m) throw new Error(`no percentage in '${s}'`);
  return Number(m[1]) / 100;
};

/** A vertical stroke down the middle of the drawing pad, with real mouse events. */
async function drawOne(): Promise<void> {
  const box = (await page.locator('[data-testid="canvas"]').boundingBox())!;
  const x = box.x + box.width / 2;
  await page.mouse.move(x, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 24; i++) await page.mouse.move(x, box.y + box.height * (0.15 + (0.7 * i) / 24));
  await page.mouse.up();
}

/** Waits until the page has predicted the current drawing (predictions are asynchronous). */
async function settledPrediction(): Promise<{ prediction: string; probabilities: string }> {
  await page.waitForFunction(() => document.querySelector('[data-testid="prediction"]')!.textContent!.trim() !== '?');
  // Let any queued re-prediction finish: two reads a frame apart agree.
  let last = '';
  for (;;) {
    const now = await text('probabilities');
    if (now === last) return { prediction: await text('prediction'), probabilities: now };
    last = now;
    await page.waitForTimeout(150);
  }
}

describe.skipIf(!haveChromium)('the demo page in headless Chromium', () => {
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'simdnet-demo-'));
    stopServer = new AbortController();
    served = main(['--port', '0', '--host', '127.0.0.1', '--out', join(scratch, 'page')], output.io,
      { stop: stopServer.signal, onListening: (s) => { demo = s; } });
    for (let i = 0; i < 1200 && demo === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    if (!demo) throw new Error(`the demo server did not start: ${output.err()}`);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(demo.url);
    // Ready: the worker started and the digits loaded (the Train button is enabled then).
    await page.waitForFunction(() => !(document.querySelector('[data-testid="train"]') as HTMLButtonElement).disabled, null, { timeout: 30_000 })
      .catch((e: Error) => { throw new Error(`${e.message}; status: ${errors.join('; ')}`); });
  });

  afterAll(async () => {
    await browser?.close();
    stopServer?.abort();
    await served;
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('is cross-origin isolated and trains on at least 2 threads with the SIMD kernels (relaxed where Chromium has it)', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('idle');
    expect(Number(await text('threads'))).toBeGreaterThanOrEqual(2);
    // 'auto' takes the relaxed-SIMD build where Chromium can validate it (Chromium >= 114), else simd.
    const relaxed = await page.evaluate((probe) => WebAssembly.validate(new Uint8Array(probe)), [...RELAXED_SIMD_PROBE]);
    expect(await text('build')).toBe(relaxed ? 'relaxed' : 'simd');
  });

  it('trains 1 epoch of lenet5 to ≥ 90% test accuracy, never going 100 ms without a frame', async () => {
    expect(await page.locator('#model').inputValue()).toBe('lenet5');
    await page.fill('#epochs', '1');
    // Frame gaps, measured in the page from the first frame that sees state 'training' to the first that sees it end.
    await page.evaluate(() => {
      const w = window as unknown as { frameGaps: { max: number; frames: number } };
      w.frameGaps = { max: 0, frames: 0 };
      let last: number | undefined;
      const tick = (t: number) => {
        const training = document.body.dataset.state === 'training';
        if (training && last !== undefined) { w.frameGaps.max = Math.max(w.frameGaps.max, t - last); w.frameGaps.frames++; }
        last = training ? t : undefined;
        if (training || w.frameGaps.frames === 0) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.click('[data-testid="train"]');
    await page.waitForFunction(() => document.body.dataset.state === 'trained', null, { timeout: 60_000 });
    const gaps = await page.evaluate(() => (window as unknown as { frameGaps: { max: number; frames: number } }).frameGaps);
    expect(gaps.frames, 'frames drawn while training').toBeGreaterThan(10);
    expect(gaps.max, 'longest gap between animation frames while training (ms)').toBeLessThan(100);
    expect(percent(await text('accuracy'))).toBeGreaterThanOrEqual(0.9);
    expect(await text('epoch')).toMatch(/epoch 1 \/ 1/);
    expect(Number((await text('images-per-second')).replace(/[^\d.]/g, ''))).toBeGreaterThan(0);
  });

  it('reads a vertical stroke drawn with the mouse as a 1', async () => {
    await drawOne();
    const p = await settledPrediction();
    expect(p.prediction).toBe('1');
    expect(await page.locator('[data-testid="probabilities"] li').count()).toBe(10);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'demo.png'), fullPage: true });
  });

  it('saves the model and loads it back to the same prediction', async () => {
    const before = await settledPrediction();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="save"]')]);
    expect(download.suggestedFilename()).toBe('lenet5.simdnet');
    const file = join(scratch, 'lenet5.simdnet');
    await download.saveAs(file);
    // Clear the prediction first, so the one after loading is the loaded model's.
    await page.evaluate(() => { document.querySelector('[data-testid="prediction"]')!.textContent = '?'; });
    await page.locator('[data-testid="load"]').setInputFiles(file);
    await page.waitForFunction(() => /loaded/.test(document.getElementById('status')!.textContent!));
    const after = await settledPrediction();
    expect(after).toEqual(before);
    expect(await page.evaluate(() => document.body.dataset.state)).toBe('trained');
  });
});
