// Browser test of the public tracking page (central/web/track.html) against
// a real central holding one dossier taken in at a real desk node and
// synced: the page loads in Vietnamese with the code from ?code=, a wrong
// secret is refused in #track-error, the right one shows the dossier
// waiting for a handler; then a supervisor logs in on the officers' page and
// assigns the dossier, and the tracking page shows the new handler's name,
// also in English.
//
// Usage: node tracking_test.mjs URL CODE SECRET
//
// Prints one line per step and ends with "N passed, M failed"; exits 1 when
// any step failed.
import assert from 'node:assert/strict';
import {launchChromium, startWatchdog} from './harness.mjs';

const kStepTimeoutMs = 15000;
const kTotalTimeoutMs = 58000;
const kHandler = 'Đỗ Minh Khoa';
const kApplicantParts = ['Nguyễn Thị Hồng Nhung', 'Hồng Nhung', '079203001234', '0903123456',
  'Lê Lợi'];

const baseUrl = (process.argv[2] || '').replace(/\/+$/, '');
const code = process.argv[3] || '';
const secret = process.argv[4] || '';
if (!/^https?:\/\//.test(baseUrl) || !code || !secret) {
  console.error('usage: node tracking_test.mjs URL CODE SECRET');
  process.exit(2);
}
startWatchdog(kTotalTimeoutMs);

const browser = await launchChromium();
// A phone-sized window: the page is meant for mobiles.
const page = await browser.newPage({locale: 'vi-VN', viewport: {width: 390, height: 844}});
page.setDefaultTimeout(8000);
const scriptErrors = [];
page.on('pageerror', (e) => scriptErrors.push(e.message));
const requests = [];
page.on('request', (r) => requests.push(r.url()));

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

async function lookUp(withSecret) {
  await page.fill('#track-secret', withSecret);
  await page.click('#track-submit');
  await page.waitForFunction(() =>
    document.getElementById('track-error').textContent !== '' ||
    !document.getElementById('track-result').classList.contains('hidden'));
}

await step('the page loads in Vietnamese with the code from ?code=', async () => {
  await page.goto(baseUrl + '/track?code=' + encodeURIComponent(code));
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  assert.equal(await page.textContent('#track-submit'), 'Tra cứu');
  assert.equal(await page.inputValue('#track-code'), code);
  assert.ok(!(await page.isVisible('#track-result')));
});

await step('a wrong secret is refused without showing anything', async () => {
  const wrong = secret.replace(/[A-Z2-9]/, (c) => (c === '2' ? '3' : '2'));
  await lookUp(wrong);
  assert.match(await page.textContent('#track-error'), /Không tìm thấy hồ sơ/);
  assert.ok(!(await page.isVisible('#track-result')));
});

await step('the secret of the receipt shows the dossier waiting for a handler', async () => {
  await lookUp(secret.toLowerCase());
  assert.equal(await page.textContent('#track-error'), '');
  assert.match(await page.textContent('#track-status'), /tiếp nhận/);
  assert.equal(await page.textContent('#track-unit'), '000.00.17.H29');
  assert.equal(await page.textContent('#track-handler'), '(chưa có)');
  assert.notEqual(await page.textContent('#track-appointment'), '(chưa có)');
  assert.equal(await page.locator('#track-timeline li').count(), 1);
});

await step('a supervisor assigns the dossier on the officers\' page', async () => {
  const officer = await browser.newPage({locale: 'vi-VN'});
  officer.setDefaultTimeout(8000);
  officer.on('pageerror', (e) => scriptErrors.push(e.message));
  await officer.goto(baseUrl + '/officer');
  await officer.fill('input[name=username]', 'tran.thi.lan');
  await officer.fill('input[name=password]', 'Mùa xuân 2026!');
  await officer.click('#login-form button');
  await officer.waitForSelector('#inbox:not(.hidden)');
  await officer.click(`#rows tr:has-text("${code}")`);
  await officer.waitForSelector('#detail:not(.hidden)');
  await officer.fill('form[data-action=assign] input[name=handler]', 'do.minh.khoa');
  await officer.click('form[data-action=assign] button');
  await officer.waitForFunction((name) =>
    document.getElementById('d-status').textContent.includes(name), kHandler);
  await officer.close();
});

await step('the tracking page shows the new handler', async () => {
  await lookUp(secret);
  assert.equal(await page.textContent('#track-handler'), kHandler);
  assert.match(await page.textContent('#track-status'), /đang được cán bộ xử lý/);
  const steps = await page.locator('#track-timeline li').allTextContents();
  assert.equal(steps.length, 2);
  assert.ok(steps[1].includes(kHandler), steps[1]);
});

await step('in English too, and no personal data of the applicant anywhere', async () => {
  await page.goto(baseUrl + '/track?lang=en&code=' + encodeURIComponent(code));
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.textContent('#track-submit'), 'Look up');
  await lookUp(secret);
  assert.equal(await page.textContent('#track-handler'), kHandler);
  assert.match(await page.textContent('#track-status'), /processing/);
  const text = await page.textContent('body');
  const html = await page.content();
  for (const p of kApplicantParts) {
    assert.ok(!text.includes(p) && !html.includes(p), `"${p}" is on the page`);
  }
});

await step('no script error and nothing fetched from another origin', async () => {
  assert.deepEqual(scriptErrors, []);
  const origin = new URL(baseUrl).origin;
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin)), []);
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
