// Browser test of the desk web UI against a real, freshly initialised desk
// node: queue, intake through the form, receipt, search, inline field
// errors, the supplement-guidance slip and the language switch, in
// headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core).
//
// Usage: node desk_test.mjs URL [SCREENSHOT_DIR]
//   URL             the node's base URL, e.g. http://127.0.0.1:40123
//   SCREENSHOT_DIR  where the intake-result and receipt screenshots go
//                   (default: a new directory under the system temp dir)
//
// Prints one line per step and ends with "N passed, M failed"; exits 1 when
// any step failed. Steps share one browser page and run in order: a later
// step uses the dossier an earlier one created.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {launchChromium, startWatchdog} from './harness.mjs';

const kStepTimeoutMs = 15000;
const kActionTimeoutMs = 8000;
const kTotalTimeoutMs = 58000;

const kApplicantName = 'Nguyễn Văn Ánh';
const kIdNumber = '079203001234';
const kCodePattern = /^000\.00\.17\.H29-\d{6}-\d{4}$/;

const baseUrl = (process.argv[2] || '').replace(/\/+$/, '');
if (!/^https?:\/\//.test(baseUrl)) {
  console.error('usage: node desk_test.mjs URL [SCREENSHOT_DIR]');
  process.exit(2);
}
const shotDir = process.argv[3] || fs.mkdtempSync(path.join(os.tmpdir(), 'hoso-desk-shots-'));
fs.mkdirSync(shotDir, {recursive: true});

// The whole run has a hard ceiling: a stalled browser must not hang ctest.
startWatchdog(kTotalTimeoutMs);

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const browser = await withTimeout(launchChromium(), 20000, 'launching Chromium');

const context = await browser.newContext({viewport: {width: 1280, height: 900}, locale: 'vi-VN'});
context.setDefaultTimeout(kActionTimeoutMs);
const page = await context.newPage();
const pageErrors = [];
context.on('page', (p) => p.on('pageerror', (e) => pageErrors.push(`${p.url()}: ${e.message}`)));
page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));

const shared = {ticket: '', code: ''};

async function text(selector, on = page) {
  return (await on.locator(selector).innerText()).trim();
}

// Waits for `selector`'s text to satisfy `check` (a RegExp or a string).
async function expectText(selector, check, on = page) {
  const loc = on.locator(selector);
  await loc.waitFor({state: 'visible'});
  const deadline = Date.now() + kActionTimeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = (await loc.innerText()).trim();
    if (check instanceof RegExp ? check.test(last) : last === check) return last;
    await on.waitForTimeout(50);
  }
  throw new Error(`${selector}: text ${JSON.stringify(last)} does not match ${check}`);
}

// Opens the window a click produces and waits for it to load.
async function popupFrom(selector) {
  const [popup] = await Promise.all([context.waitForEvent('page'), page.click(selector)]);
  await popup.waitForLoadState('load');
  return popup;
}

async function chooseProcedure(typed, code) {
  await page.click('#procedure-search');
  await page.fill('#procedure-search', '');
  await page.locator('#procedure-search').pressSequentially(typed, {delay: 10});
  await page.click(`#procedure-list li[data-code="${code}"]`);
  await expectText('#procedure-code', code);
}

async function fillPerson(idNumber) {
  await page.click('#applicant-kind-person');
  await page.fill('#applicant-full-name', kApplicantName);
  await page.fill('#applicant-id-number', idNumber);
  await page.fill('#applicant-phone', '0903 123 456');
  await page.fill('#applicant-province', 'Thành phố Hồ Chí Minh');
  await page.fill('#applicant-ward', 'Phường Sài Gòn');
  await page.fill('#applicant-street', '12 Lê Lợi');
  await page.selectOption('#applicant-type', 'household');
  await page.selectOption('#area', 'urban');
  await page.click('#return-desk');
  await page.fill('#clerk', 'Lê Thu Hà');
}

async function tickAllDocuments() {
  const boxes = page.locator('#checklist input[type=checkbox]');
  const n = await boxes.count();
  assert.ok(n > 0, 'the procedure shows a checklist of required documents');
  for (let i = 0; i < n; i++) await boxes.nth(i).check();
}

async function startNewIntake() {
  await page.click('#tab-intake');
  await page.locator('#view-intake').waitFor({state: 'visible'});
  if (await page.locator('#result-new').isVisible()) await page.click('#result-new');
  await page.locator('#intake-form').waitFor({state: 'visible'});
}

const steps = [
  ['page loads in Vietnamese with its tabs', async () => {
    await page.goto(baseUrl + '/', {waitUntil: 'load'});
    await expectText('#tab-queue', 'Hàng đợi');
    await expectText('#tab-intake', 'Tiếp nhận');
    await expectText('#tab-search', 'Tra cứu');
    assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  }],

  ['(a) a queue ticket is issued, called to my counter and shown on the display', async () => {
    await page.click('#tab-queue');
    await page.fill('#queue-group', 'A');
    await page.fill('#queue-counter', '3');
    await page.dispatchEvent('#queue-counter', 'change');
    await page.click('#ticket-issue');
    shared.ticket = await expectText('#queue-issued', /^A\d{3}$/);
    await page.click('#queue-call-next');
    await expectText('#queue-current', shared.ticket);
    await expectText(`#queue-list tr[data-ticket="${shared.ticket}"] td:nth-child(3)`, 'Đang gọi');
    const display = await context.newPage();
    await display.goto(baseUrl + '/display', {waitUntil: 'load'});
    await expectText('#serving', new RegExp(`Mời số ${shared.ticket} đến quầy 3`), display);
    await display.close();
    await page.click('#queue-done');
    await expectText('#queue-current', '—');
    await expectText(`#queue-list tr[data-ticket="${shared.ticket}"] td:nth-child(3)`, 'Đã phục vụ');
  }],

  ['(b) a complete dossier is taken in through the form', async () => {
    await startNewIntake();
    await chooseProcedure('ban le ruou', '2.000620');
    await tickAllDocuments();
    await fillPerson(kIdNumber);
    await page.click('#intake-submit');
    shared.code = await expectText('#result-code', kCodePattern);
    assert.match(await text('#result-secret'), /\S/, 'a lookup secret is shown');
    assert.match(await text('#result-appointment'), /\d{2}\/\d{2}\/\d{4}/, 'an appointment is shown');
    const shot = path.join(shotDir, 'intake-result.png');
    await page.screenshot({path: shot, fullPage: true});
    console.log(`# intake result screenshot: ${shot}`);
  }],

  ['(c) the receipt shows the code and the form title, never the full ID number', async () => {
    assert.ok(shared.code, 'needs the dossier from step (b)');
    const receipt = await popupFrom('#result-receipt');
    const body = await receipt.locator('body').innerText();
    assert.ok(body.includes(shared.code), 'receipt shows the dossier code');
    assert.ok(body.toUpperCase().includes('GIẤY TIẾP NHẬN HỒ SƠ'), 'receipt shows the form title');
    assert.ok(!(await receipt.content()).includes(kIdNumber), 'receipt never shows the full ID');
    const shot = path.join(shotDir, 'receipt.png');
    await receipt.screenshot({path: shot, fullPage: true});
    console.log(`# receipt screenshot: ${shot}`);
    await receipt.close();

    const thermal = await popupFrom('#result-receipt-80mm');
    const plain = await thermal.locator('body').innerText();
    assert.ok(plain.includes(shared.code), '80 mm receipt shows the dossier code');
    assert.ok(!plain.includes(kIdNumber), '80 mm receipt never shows the full ID');
    await thermal.close();
  }],

  ['(d) searching "nguyen van anh" finds the dossier and opens its detail', async () => {
    assert.ok(shared.code, 'needs the dossier from step (b)');
    await page.click('#tab-search');
    await page.fill('#search-input', 'nguyen van anh');
    await page.click('#search-submit');
    const row = `#search-results tr[data-code="${shared.code}"]`;
    await page.locator(row).waitFor({state: 'visible'});
    const rowText = await text(row);
    assert.ok(rowText.includes(kApplicantName), 'the row shows the name with its diacritics');
    assert.ok(rowText.includes('Đã tiếp nhận'), 'the row shows the status in words');
    await page.click(`${row} a`);
    await expectText('#detail-code', shared.code);
    await expectText('#detail-status', /Đã tiếp nhận/);
    const detail = await text('#detail-body');
    assert.ok(detail.includes('1234'), 'the detail shows the masked ID number');
    assert.ok(!detail.includes(kIdNumber), 'the detail never shows the full ID unasked');
    assert.ok(await page.locator('#detail-result-arrived').isVisible(), 'result-arrived offered');
  }],

  ['the detail reveals the full ID on request, records the result and hands it back', async () => {
    assert.ok(shared.code, 'needs the dossier from step (b)');
    await expectText('#detail-code', shared.code);
    await page.click('#detail-reveal');
    await page.fill('#reveal-viewer', 'Lê Thu Hà');
    await page.fill('#reveal-reason', 'Đối chiếu giấy tờ');
    await page.click('#reveal-confirm');
    await expectText('#reveal-result', kIdNumber);
    const views = await page.evaluate(async () => (await fetch('/api/id-views')).json());
    assert.ok(JSON.stringify(views).includes(shared.code), 'the view is logged');

    await page.click('#detail-result-arrived');
    await page.fill('#arrived-clerk', 'Lê Thu Hà');
    await page.click('#arrived-confirm');
    await expectText('#detail-status', /Đã có kết quả/);
    await page.locator('#detail-hand-back').waitFor({state: 'visible'});
    await page.click('#detail-hand-back');
    await page.fill('#handback-name', kApplicantName);
    await page.fill('#handback-id-number', kIdNumber);
    await page.fill('#handback-clerk', 'Lê Thu Hà');
    await page.click('#handback-confirm');
    await expectText('#detail-status', /Đã trả kết quả/);
    assert.ok(!(await page.locator('#detail-hand-back').isVisible()), 'no second hand-back');
  }],

  ['(e) an 11-digit ID number shows an inline error next to the ID field', async () => {
    await startNewIntake();
    await chooseProcedure('2.000620', '2.000620');
    await tickAllDocuments();
    await fillPerson('07920300123');
    await page.click('#intake-submit');
    const err = await expectText('#err-applicant-id-number', /\S/);
    assert.ok(err.length > 0);
    assert.equal(await page.getAttribute('#applicant-id-number', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'applicant-id-number',
        'the ID field has the focus');
    assert.ok(!(await page.locator('#result-card').isVisible()), 'no dossier was accepted');
  }],

  ['an incomplete dossier lists what is missing and prints Form 02', async () => {
    await page.fill('#applicant-id-number', kIdNumber);
    const boxes = page.locator('#checklist input[type=checkbox]');
    for (let i = 0; i < await boxes.count(); i++) await boxes.nth(i).uncheck();
    await page.click('#intake-submit');
    await page.locator('#missing-box').waitFor({state: 'visible'});
    assert.ok(await page.locator('#missing-list li').count() > 0, 'missing documents are listed');
    const slip = await popupFrom('#guidance-print');
    await slip.waitForFunction((name) => document.body && document.body.innerText.includes(name),
        kApplicantName);
    await slip.close();
    assert.ok(!(await page.locator('#result-card').isVisible()), 'no dossier was accepted');
  }],

  ['(f) the switch turns the UI to English and is remembered', async () => {
    await startNewIntake();
    await page.click('#lang-en');
    await expectText('#tab-intake', 'Intake');
    await expectText('#tab-queue', 'Queue');
    await expectText('#tab-search', 'Search');
    await expectText('label[for=applicant-full-name]', 'Full name');
    await expectText('#intake-submit', 'Accept dossier');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.reload({waitUntil: 'load'});
    await expectText('#tab-intake', 'Intake');
    await page.goto(baseUrl + '/?lang=vi', {waitUntil: 'load'});
    await expectText('#tab-intake', 'Tiếp nhận');
  }],

  ['no JavaScript errors on any page', async () => {
    assert.deepEqual(pageErrors, []);
  }],
];

let passed = 0;
let failed = 0;
for (const [name, fn] of steps) {
  const started = Date.now();
  try {
    await withTimeout(fn(), kStepTimeoutMs, name);
    passed++;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    const message = String((e && e.message) || e).replace(/\x1b\[[0-9;]*m/g, '');
    console.log(`not ok - ${name}\n  ${message.split('\n').join('\n  ')}`);
    const shot = path.join(shotDir, `failed-step-${passed + failed}.png`);
    await page.screenshot({path: shot, fullPage: true}).catch(() => {});
    console.log(`# screenshot of the failure: ${shot}`);
    // Leave the next step a clean start: only the main page open.
    for (const p of context.pages()) if (p !== page) await p.close().catch(() => {});
  }
}

await browser.close().catch(() => {});
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
