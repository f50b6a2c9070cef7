// Browser test of the officers' web page (central/web/officer.html) against
// a real central with one supervisor and no dossier yet: the page loads with
// no script error, a wrong password is shown as the central's message, a
// login shows the unit's (empty) inbox, the language switch, and logout.
//
// Usage: node officer_test.mjs URL
//
// Prints one line per step and ends with "N passed, M failed"; exits 1 when
// any step failed.
import assert from 'node:assert/strict';
import {launchChromium, startWatchdog} from './harness.mjs';

const kStepTimeoutMs = 15000;
const kTotalTimeoutMs = 58000;

const baseUrl = (process.argv[2] || '').replace(/\/+$/, '');
if (!/^https?:\/\//.test(baseUrl)) {
  console.error('usage: node officer_test.mjs URL');
  process.exit(2);
}
startWatchdog(kTotalTimeoutMs);

const browser = await launchChromium();
const page = await browser.newPage({locale: 'vi-VN'});
page.setDefaultTimeout(8000);
const scriptErrors = [];
page.on('pageerror', (e) => scriptErrors.push(e.message));

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

await step('the page loads in Vietnamese with the login form', async () => {
  await page.goto(baseUrl + '/officer');
  assert.equal(await page.textContent('[data-t=login]'), 'Đăng nhập');
  assert.ok(await page.isVisible('#login-form'));
  assert.ok(!(await page.isVisible('#inbox')));
});

await step('a wrong password shows the central\'s message', async () => {
  await page.fill('input[name=username]', 'tran.thi.lan');
  await page.fill('input[name=password]', 'sai mật khẩu');
  await page.click('#login-form button');
  await page.waitForFunction(() => document.getElementById('err').textContent !== '');
  assert.match(await page.textContent('#err'), /password|mật khẩu/i);
  assert.ok(!(await page.isVisible('#inbox')));
});

await step('login shows the unit\'s inbox', async () => {
  await page.fill('input[name=password]', 'Mùa xuân 2026!');
  await page.click('#login-form button');
  await page.waitForSelector('#inbox:not(.hidden)');
  assert.equal(await page.textContent('#who'), 'Trần Thị Lan (supervisor)');
  assert.equal(await page.locator('#rows tr').count(), 0);
  assert.equal(await page.textContent('#err'), '');
});

await step('the language switch turns the page into English and back', async () => {
  await page.click('#lang');
  assert.equal(await page.textContent('[data-t=inbox]'), 'Dossiers of the unit');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.click('#lang');
  assert.equal(await page.textContent('[data-t=inbox]'), 'Hồ sơ của đơn vị');
});

await step('a reload keeps the session and logout ends it', async () => {
  await page.reload();
  await page.waitForSelector('#inbox:not(.hidden)');
  await page.click('#logout');
  await page.waitForSelector('#login:not(.hidden)');
  assert.ok(!(await page.isVisible('#inbox')));
});

await step('no script error on the page', async () => {
  assert.deepEqual(scriptErrors, []);
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
