// Drives notebooks/08-explore.ipynb in Debian's Chromium (playwright-core, no
// downloaded browser): runs all cells from the Cell menu, moves the layer slider
// with the keyboard, changes the unit, and checks that the image and the printed
// SA become what the library computes (expect.json, written by
// `go run ./explore/cmd/expect`); for volumes (expect.json with axes and
// slices) it also picks the coronal axis and moves the slice slider. Exits
// non-zero if the view does not update.
//
// Usage: node test.mjs URL EXPECT.json OUTDIR
import { chromium } from 'playwright-core';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, expectPath, outDir] = process.argv.slice(2);
if (!url || !expectPath || !outDir) {
  console.error('usage: node test.mjs URL EXPECT.json OUTDIR');
  process.exit(2);
}
const expected = JSON.parse(readFileSync(expectPath, 'utf8'));
const find = (layer, unitRank) => {
  const e = expected.find((x) => x.layer === layer && x.unitRank === unitRank && (x.axis ?? 'axial') === 'axial');
  if (!e) throw new Error(`expect.json has no layer ${layer} unit ${unitRank}`);
  return e;
};
const RUN_TIMEOUT = +(process.env.EXPLORE_RUN_TIMEOUT_MS || 900000); // first run compiles and may train
const UPDATE_TIMEOUT = +(process.env.EXPLORE_UPDATE_TIMEOUT_MS || 60000);
const t0 = Date.now();
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
let failures = 0;
const check = (ok, what) => {
  log(ok ? 'ok  ' : 'FAIL', what);
  if (!ok) failures++;
};

const profile = mkdtempSync(join(tmpdir(), 'protoseg-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
  viewport: { width: 1400, height: 1000 },
});
const shot = async (page, name) => {
  const path = join(outDir, name);
  const root = page.locator('[data-role="protoseg-explore"]');
  if (await root.count()) await root.scrollIntoViewIfNeeded();
  await page.screenshot({ path, fullPage: false });
  log('screenshot', path);
};
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => { if (m.type() === 'error') log('browser console error:', m.text()); });
  page.on('dialog', (d) => d.accept());
  await page.goto(url);
  await page.waitForFunction(() => globalThis.Jupyter?.notebook?.kernel?.is_connected?.(), null, { timeout: 120000 });
  // Never write outputs back into the committed notebook.
  await page.evaluate(() => Jupyter.notebook.set_autosave_interval(0));
  log('notebook open, kernel connected');

  // Run all cells from the menu, as a person would.
  await page.click('#celllink');
  await page.click('#run_all_cells');
  log('Cell → Run All');
  const root = page.locator('[data-role="protoseg-explore"]');
  await root.waitFor({ timeout: RUN_TIMEOUT });
  await page.waitForFunction(() => document.querySelector('[data-role="protoseg-explore"]')?.dataset.state === 'ready',
    null, { timeout: RUN_TIMEOUT });
  log('explorer ready');
  const panel = root.locator('[data-role="view"][data-panel="0"]');
  const img = panel.locator('[data-role="image"]');

  const viewState = async () => ({
    src: await img.getAttribute('src'),
    layer: +(await panel.getAttribute('data-layer')),
    unitRank: +(await panel.getAttribute('data-unit-rank')),
    unit: +(await panel.getAttribute('data-unit')),
    sa: +(await panel.getAttribute('data-sa')),
    samPixels: +(await panel.getAttribute('data-sam-pixels')),
    sha: await panel.getAttribute('data-png-sha256'),
    mode: await panel.getAttribute('data-mode'),
    rank: +(await panel.getAttribute('data-rank')),
    axis: await panel.getAttribute('data-axis'),
    slice: +(await panel.getAttribute('data-slice')),
    text: await panel.locator('[data-role="numbers"]').textContent(),
  });
  const srcSha = (src) => createHash('sha256').update(Buffer.from(src.replace(/^data:image\/png;base64,/, ''), 'base64')).digest('hex');
  const compare = (v, e, what) => {
    check(v.layer === e.layer && v.unitRank === e.unitRank, `${what}: shows layer ${v.layer} unit rank ${v.unitRank}`);
    check(Math.abs(v.sa - e.sa) < 1e-6, `${what}: SA ${v.sa} = library ${e.sa}`);
    check(v.text.includes(e.sa.toFixed(4)), `${what}: printed SA ${e.sa.toFixed(4)} in the panel`);
    check(v.samPixels === e.samPixels, `${what}: SAM of ${v.samPixels} pixels = library ${e.samPixels}`);
    check(srcSha(v.src) === e.pngSha256, `${what}: image is the explorer core's rendering (sha256 ${e.pngSha256.slice(0, 12)}…)`);
    if (e.unitRank > 0) check(v.unit === e.unit, `${what}: unit channel ${v.unit} = library ${e.unit}`);
    if (e.axis) check(v.axis === e.axis && v.slice === e.slice, `${what}: ${v.axis} slice ${v.slice} = library ${e.axis} ${e.slice}`);
  };
  // waitView waits until panel 0 shows the given layer and unit rank (and, when
  // given, the axis and slice of a volume) and the page has applied the reply
  // to its latest request.
  const waitView = async (layer, unitRank, what, axis = null, slice = null) => {
    const t = Date.now();
    try {
      await page.waitForFunction(([layer, unitRank, axis, slice]) => {
        const r = document.querySelector('[data-role="protoseg-explore"]');
        const p = r?.querySelector('[data-role="view"][data-panel="0"]');
        return r?.dataset.state === 'ready' && p?.dataset.layer === String(layer) && p?.dataset.unitRank === String(unitRank) &&
          (axis === null || (p?.dataset.axis === axis && p?.dataset.slice === String(slice)));
      }, [layer, unitRank, axis, slice], { timeout: UPDATE_TIMEOUT });
    } catch (err) {
      const diag = await page.evaluate(() => {
        const r = document.querySelector('[data-role="protoseg-explore"]');
        const p = r?.querySelector('[data-role="view"][data-panel="0"]');
        return { state: r?.dataset.state, seq: r?.dataset.seq, error: r?.dataset.error, layer: p?.dataset.layer,
          status: r?.querySelector('[data-field="status"]')?.textContent, comm: !!globalThis.gonb_comm };
      });
      log('page state:', JSON.stringify(diag));
      check(false, `${what}: the view did not update to layer ${layer} unit ${unitRank} within ${UPDATE_TIMEOUT} ms`);
      throw err;
    }
    log(`${what}: view updated in ${Date.now() - t} ms (browser round trip)`);
    return viewState();
  };

  const v0 = await viewState();
  const e0 = find(18, 0);
  check(v0.mode === e0.mode && v0.rank === e0.rank, `initial view: ${v0.mode} model, image rank ${v0.rank}`);
  compare(v0, e0, 'initial view (layer 18, all units)');
  await shot(page, '01-initial.png');
  await root.screenshot({ path: join(outDir, 'explorer.png') }); // for the README
  log('screenshot', join(outDir, 'explorer.png'));

  // Move the layer slider with the keyboard, from 18 down to the expected layer.
  const eLayer = expected.find((x) => x.layer !== 18 && x.unitRank === 0);
  const slider = root.locator('[data-control="layer"]');
  await slider.focus();
  for (let l = 18; l > eLayer.layer; l--) await page.keyboard.press('ArrowLeft');
  const v1 = await waitView(eLayer.layer, 0, `layer slider → ${eLayer.layer}`);
  check(v1.src !== v0.src, 'layer change: the image changed');
  compare(v1, eLayer, `layer ${eLayer.layer}, all units`);
  await shot(page, '02-layer.png');

  // Change the unit: best unit, then the second best.
  let prev = v1;
  for (const u of [1, 2]) {
    const e = find(eLayer.layer, u);
    await root.locator('[data-control="unit"]').selectOption(String(u));
    const v = await waitView(eLayer.layer, u, `unit → #${u}`);
    check(v.src !== prev.src || v.sha === prev.sha, `unit #${u}: the image changed`);
    compare(v, e, `layer ${eLayer.layer}, unit #${u}`);
    prev = v;
  }
  await shot(page, '03-unit.png');

  // Volumes: the axis picker and the slice slider (hidden for 2D data).
  const sliceBox = root.locator('[data-field="slice-box"]');
  if (!e0.axis) {
    check(!(await sliceBox.isVisible()), '2D data: no slice controls');
  } else {
    check(await sliceBox.isVisible(), 'volume: slice controls shown');
    check(v0.axis === 'axial' && v0.slice === e0.centre[0], `initial view: axial slice ${v0.slice} through the object's centre ${e0.centre}`);
    const eCor = expected.find((x) => x.axis === 'coronal' && x.slice === x.centre[1]);
    await root.locator('[data-control="axis"]').selectOption('coronal');
    const vc = await waitView(eCor.layer, eCor.unitRank, 'axis → coronal', 'coronal', eCor.slice);
    compare(vc, eCor, `coronal slice ${eCor.slice} through the centre`);
    await shot(page, '03b-coronal.png');
    const eS = expected.find((x) => x.axis === 'coronal' && x !== eCor);
    const sl = root.locator('[data-control="slice"]');
    await sl.focus();
    for (let k = eCor.slice; k !== eS.slice; k += eS.slice < k ? -1 : 1) await page.keyboard.press(eS.slice < k ? 'ArrowLeft' : 'ArrowRight');
    const vs = await waitView(eS.layer, eS.unitRank, `slice slider → ${eS.slice}`, 'coronal', eS.slice);
    if (eS.slice !== eCor.slice) check(vs.src !== vc.src, 'slice change: the image changed');
    compare(vs, eS, `coronal slice ${eS.slice}`);
    await shot(page, '03c-slice.png');
  }

  // Side by side: offline vs online.
  await root.locator('[data-control="compare"]').selectOption('models');
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-role="protoseg-explore"]');
    const p = r?.querySelector('[data-role="view"][data-panel="1"]');
    return r?.dataset.state === 'ready' && p && p.style.display !== 'none' && p.dataset.mode === 'online' &&
      r.querySelector('[data-role="view"][data-panel="0"]').dataset.mode === 'offline';
  }, null, { timeout: UPDATE_TIMEOUT });
  check(true, 'side by side: offline and online panels shown');
  await shot(page, '04-offline-vs-online.png');

  // Done leaves a static view in the notebook.
  await root.locator('[data-control="close"]').click();
  await page.locator('[data-role="protoseg-explore-static"]').waitFor({ timeout: UPDATE_TIMEOUT });
  check(true, 'Done: static view left in the notebook');
  await shot(page, '05-done.png');
} catch (err) {
  failures++;
  console.error(err);
  try { await context.pages()[0]?.screenshot({ path: join(outDir, 'failure.png'), fullPage: true }); } catch {}
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
writeFileSync(join(outDir, 'result.json'), JSON.stringify({ failures, seconds: (Date.now() - t0) / 1000 }, null, 2));
console.log(failures === 0 ? `browser test: ${(Date.now() - t0) / 1000} s, all checks passed` : `browser test: ${failures} failure(s)`);
process.exit(failures === 0 ? 0 : 1);
