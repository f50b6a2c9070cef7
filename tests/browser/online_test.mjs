// Browser test of the online submission page (central/web/submit.html)
// against a real central: the page loads in Vietnamese with no script error,
// a submission with a field missing shows that field's message, a promotion
// registration is filled, a PDF attached and submitted and its code shown; a
// draft is resumed from its link after the browser context that wrote it is
// closed; an officer accepts the dossier and the tracking page (/track, the
// DOM of the tracking contract) shows its appointment.
//
// Usage: node online_test.mjs URL
//
// Prints one line per step and ends with "N passed, M failed"; exits 1 when
// any step failed.
import assert from 'node:assert/strict';
import {launchChromium, startWatchdog} from './harness.mjs';

const kStepTimeoutMs = 20000;
const kTotalTimeoutMs = 110000;
const kPdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');

const baseUrl = (process.argv[2] || '').replace(/\/+$/, '');
if (!/^https?:\/\//.test(baseUrl)) {
  console.error('usage: node online_test.mjs URL');
  process.exit(2);
}
startWatchdog(kTotalTimeoutMs);

const browser = await launchChromium();
const scriptErrors = [];
async function newPage() {
  const context = await browser.newContext({locale: 'vi-VN', viewport: {width: 390, height: 844}});
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.on('pageerror', (e) => scriptErrors.push(e.message));
  return {context, page};
}

let passed = 0;
let failed = 0;
async function step(name, fn) {
  try {
    await Promise.race([fn(), new Promise((_, reject) =>
      setTimeout(() => reject(new Error('timed out')), kStepTimeoutMs))]);
    console.log(`ok - ${name}`);
    ++passed;
  } catch (e) {
    console.log(`FAIL - ${name}: ${e.message}`);
    ++failed;
  }
}

async function fillApplicant(page) {
  await page.selectOption('#procedure', 'khuyen-mai-may-rui');
  await page.selectOption('#kind', 'organisation');
  await page.fill('#applicant-name', 'Nguyễn Văn An');
  await page.fill('#applicant-phone', '0903123456');
  await page.fill('#applicant-address', '12 Lê Lợi, Phường Bến Nghé');
  await page.fill('#business-name', 'Công ty TNHH Ánh Dương');
  await page.fill('#business-tax', '0312345678');
}

let code = '';
let secret = '';
const first = await newPage();
const page = first.page;

await step('the page loads in Vietnamese with the online procedures', async () => {
  await page.goto(baseUrl + '/submit');
  await page.waitForSelector('body[data-ready="1"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  assert.equal(await page.textContent('[data-t=submit]'), 'Nộp hồ sơ');
  assert.ok(await page.locator('#procedure option[value="khuyen-mai-may-rui"]').count() === 1);
});

await step('the language switch turns the page into English and back', async () => {
  await page.click('#lang');
  assert.equal(await page.textContent('[data-t=submit]'), 'Submit');
  await page.click('#lang');
  assert.equal(await page.textContent('[data-t=submit]'), 'Nộp hồ sơ');
});

await step('a submission with fields missing shows each field\'s message', async () => {
  await fillApplicant(page);
  await page.fill('#applicant-phone', '12345');
  await page.click('#submit');
  // The phone's message may already show from the draft saved while typing;
  // a document's message comes only with the answer to the submission.
  await page.waitForFunction(() =>
    document.querySelector('[data-err="documents.don-dang-ky"]').textContent !== '');
  assert.match(await page.textContent('[data-err="applicant.phone"]'), /10 chữ số/);
  assert.match(await page.textContent('[data-err="documents.don-dang-ky"]'), /đính kèm/);
  assert.ok(await page.isVisible('#form'));
});

await step('fill, attach a PDF, submit: the code is shown', async () => {
  await page.fill('#applicant-phone', '0903123456');
  for (const doc of ['don-dang-ky', 'the-le', 'hinh-anh-hang-hoa']) {
    await page.setInputFiles(`input[data-doc="${doc}"]`,
      {name: doc + '.pdf', mimeType: 'application/pdf', buffer: kPdf});
    await page.waitForFunction((d) => {
      const input = document.querySelector(`input[data-doc="${d}"]`);
      return input && input.closest('.doc').querySelectorAll('li').length === 1;
    }, doc);
  }
  await page.selectOption('#papers-by', 'online');
  await page.selectOption('#return-method', 'desk');
  await page.click('#submit');
  await page.waitForSelector('#done:not(.hidden)');
  code = (await page.textContent('#result-code')).trim();
  secret = (await page.textContent('#result-secret')).trim();
  assert.match(code, /^000\.00\.00\.TT-\d{6}-0001$/);
  assert.match(secret, /^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
});

await step('the receipt downloads with the code', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-receipt')]);
  const path = await download.path();
  const {readFile} = await import('node:fs/promises');
  assert.ok((await readFile(path, 'utf8')).includes(code));
});
await first.context.close();

let draftUrl = '';
await step('a draft is saved on the server while typing', async () => {
  const {context, page: p} = await newPage();
  await p.goto(baseUrl + '/submit');
  await p.waitForSelector('body[data-ready="1"]');
  await fillApplicant(p);
  await p.click('#save');
  await p.waitForFunction(() => document.getElementById('saved').textContent !== '');
  draftUrl = await p.getAttribute('#draft-link', 'href');
  assert.match(draftUrl, /\/submit\?draft=[A-Za-z0-9_-]{43}$/);
  await context.close();
});

await step('the draft is resumed after the browser context was closed', async () => {
  const {context, page: p} = await newPage();
  await p.goto(draftUrl);
  await p.waitForSelector('body[data-ready="1"]');
  assert.equal(await p.inputValue('#business-tax'), '0312345678');
  assert.equal(await p.inputValue('#procedure'), 'khuyen-mai-may-rui');
  assert.ok(await p.isVisible('#business-name'));
  await context.close();
});

await step('an officer accepts it and the tracking page shows the appointment', async () => {
  const login = await fetch(baseUrl + '/api/auth/login', {method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({username: 'le.van.nhan', password: 'Mùa xuân 2026!'})});
  assert.equal(login.status, 200);
  const {token} = await login.json();
  const accept = await fetch(baseUrl + '/api/reception/dossiers/' + code + '/accept', {method: 'POST',
    headers: {'Authorization': 'Bearer ' + token}});
  assert.equal(accept.status, 200, await accept.text());
  const {context, page: p} = await newPage();
  const r = await p.goto(baseUrl + '/track?code=' + encodeURIComponent(code));
  assert.equal(r.status(), 200, 'the tracking page is served at /track');
  await p.fill('#track-secret', secret);
  await p.click('#track-submit');
  await p.waitForSelector('#track-result #track-status');
  await p.waitForFunction(() => document.getElementById('track-appointment').textContent.trim() !== '');
  assert.match(await p.textContent('#track-status'), /tiếp nhận/i);
  await context.close();
});

await step('no script error on the page', async () => {
  assert.deepEqual(scriptErrors, []);
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
