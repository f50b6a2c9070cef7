// Browser test of the courier page (node/web/courier.html) on a real courier
// node holding one real assignment from a real central (run_courier_test.sh
// sets it up): on a phone-sized window the courier opens the shipment,
// records the pick-up, goes out for delivery and records the delivery with
// the recipient's name (with diacritics), relation, the last 4 ID digits and a
// signature drawn with the mouse on #signature-pad; the page shows it
// delivered, also in English; the node's outbox holds the shipment_delivered
// event whose proof_hash is the BLAKE2b-256 of the stored signature PNG; after
// `hoso-node sync --once` the central's shipment is delivered and the public
// tracking JSON says so.
//
// Usage: HOSO_NODE_BIN=... HOSO_COURIER_DIR=... HOSO_DISPATCH_TOKEN=... \
//        node courier_test.mjs CENTRAL_URL COURIER_URL WAYBILL CODE SECRET
//
// Prints one line per step and ends with "N passed, M failed"; exits 1 when
// any step failed.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {launchChromium, startWatchdog} from './harness.mjs';

const kStepTimeoutMs = 15000;
const kTotalTimeoutMs = 58000;
const kRecipient = 'Trần Thị Bình';
const kRelation = 'em gái';
const kIdSuffix = '4321';
const kCourier = 'Phạm Văn Cường';

const [centralUrl, courierUrl] = [process.argv[2], process.argv[3]].map(
    (u) => (u || '').replace(/\/+$/, ''));
const waybill = process.argv[4] || '';
const code = process.argv[5] || '';
const secret = process.argv[6] || '';
const nodeBin = process.env.HOSO_NODE_BIN || '';
const courierDir = process.env.HOSO_COURIER_DIR || '';
const dispatchToken = process.env.HOSO_DISPATCH_TOKEN || '';
if (!/^https?:\/\//.test(centralUrl) || !/^https?:\/\//.test(courierUrl) || !waybill || !code ||
    !secret || !nodeBin || !courierDir || !dispatchToken) {
  console.error('usage: HOSO_NODE_BIN=... HOSO_COURIER_DIR=... HOSO_DISPATCH_TOKEN=... ' +
                'node courier_test.mjs CENTRAL_URL COURIER_URL WAYBILL CODE SECRET');
  process.exit(2);
}
startWatchdog(kTotalTimeoutMs);

const browser = await launchChromium();
// The courier works on a phone.
const page = await browser.newPage({locale: 'vi-VN', viewport: {width: 390, height: 844}});
page.setDefaultTimeout(8000);
const scriptErrors = [];
page.on('pageerror', (e) => scriptErrors.push(e.message));
const requests = [];
const deliveries = [];
page.on('request', (r) => {
  requests.push(r.url());
  if (r.method() === 'POST' && r.url().includes('/deliver?')) deliveries.push(r.url());
});

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

async function waitState(text) {
  await page.waitForFunction((t) => document.getElementById('detail-state').textContent === t,
      text);
}

function b2sum256(path) {
  return execFileSync('b2sum', ['-l', '256', path], {encoding: 'utf8'}).split(' ')[0];
}

function outboxEvents(type) {
  const out = execFileSync('sqlite3', ['-json', join(courierDir, 'node.db'),
    `SELECT seq, type, payload FROM outbox_events WHERE type = '${type}'`], {encoding: 'utf8'});
  return out.trim() === '' ? [] : JSON.parse(out);
}

await step('the page loads in Vietnamese and lists the assigned shipment', async () => {
  await page.goto(courierUrl + '/');
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
  await page.waitForSelector(`#shipment-${waybill}`);
  const row = await page.textContent(`#shipment-${waybill}`);
  assert.ok(row.includes('Nguyễn Thị Hồng Nhung'), row);
  assert.ok(row.includes('Chờ nhận'), row);
  assert.match(await page.textContent('#shipment-count'), /^1 bưu gửi$/);
});

await step('it fits a phone: nothing wider than the 390 px window', async () => {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide`);
});

await step('opening the shipment shows what the delivery needs and only pick-up allowed', async () => {
  await page.fill('#courier-name', kCourier);
  await page.click(`#shipment-${waybill}`);
  await page.waitForSelector('#view-detail:not([hidden])');
  assert.equal(await page.textContent('#detail-waybill'), waybill);
  assert.equal(await page.textContent('#detail-dossier'), code);
  assert.equal(await page.textContent('#detail-recipient'), 'Nguyễn Thị Hồng Nhung');
  assert.equal(await page.textContent('#detail-phone'), '0903123456');
  assert.match(await page.textContent('#detail-address'), /12 Lê Lợi/);
  assert.ok(!(await page.textContent('body')).includes('079203001234'), 'the ID number shows');
  assert.equal(await page.textContent('#detail-state'), 'Chờ nhận');
  assert.ok(await page.isEnabled('#act-pickup'));
  assert.ok(await page.isDisabled('#act-deliver'));
  assert.ok(await page.isDisabled('#act-out'));
});

await step('the courier records the pick-up, then goes out for delivery', async () => {
  await page.click('#act-pickup');
  await waitState('Đã nhận');
  assert.equal(await page.textContent('#message'), 'Đã ghi nhận.');
  await page.click('#act-out');
  await waitState('Đang phát');
  assert.ok(await page.isEnabled('#act-deliver'));
});

await step('a delivery without a signature is refused on the page', async () => {
  await page.click('#act-deliver');
  await page.waitForSelector('#form-deliver:not([hidden])');
  await page.fill('#deliver-name', kRecipient);
  await page.fill('#deliver-relation', kRelation);
  await page.fill('#deliver-id-suffix', kIdSuffix);
  await page.click('#deliver-submit');
  await page.waitForSelector('#error:not([hidden])');
  assert.equal(await page.textContent('#error'), 'Cần chữ ký hoặc ảnh chụp.');
  assert.deepEqual(deliveries, []);
  assert.equal(await page.textContent('#detail-state'), 'Đang phát');
});

await step('the recipient signs on the pad and the delivery is recorded', async () => {
  await page.locator('#signature-pad').scrollIntoViewIfNeeded();
  const pad = await page.locator('#signature-pad').boundingBox();
  assert.ok(pad && pad.width > 200 && pad.width <= 390, JSON.stringify(pad));
  await page.mouse.move(pad.x + 20, pad.y + pad.height * 0.7);
  await page.mouse.down();
  for (let i = 1; i <= 12; ++i) {
    await page.mouse.move(pad.x + 20 + i * (pad.width - 40) / 12,
        pad.y + pad.height * (0.7 - 0.4 * Math.sin(i / 2)));
  }
  await page.mouse.up();
  const inked = await page.evaluate(() => {
    const c = document.getElementById('signature-pad');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < px.length; i += 4) dark += px[i] < 100 ? 1 : 0;
    return dark;
  });
  assert.ok(inked > 200, `only ${inked} dark pixels on the pad`);
  await page.click('#deliver-submit');
  await waitState('Đã phát');
  assert.equal(await page.textContent('#message'), 'Đã ghi nhận.');
  for (const a of ['pickup', 'out', 'deliver', 'fail', 'hold', 'return']) {
    assert.ok(await page.isDisabled(`#act-${a}`), `#act-${a} is still enabled`);
  }
  assert.equal(deliveries.length, 1);
  const q = new URL(deliveries[0]).searchParams;
  assert.equal(q.get('recipient_name'), kRecipient);
  assert.equal(q.get('actor'), kCourier);
});

await step('the list shows it delivered', async () => {
  await page.click('#back');
  await page.waitForFunction((w) => {
    const li = document.getElementById('shipment-' + w);
    return li && li.textContent.includes('Đã phát');
  }, waybill);
});

await step('the node holds the delivery event with the proof hash of the signature', async () => {
  const shown = JSON.parse(execFileSync(nodeBin, ['courier', 'show', '--data', courierDir, waybill,
    '--json'], {encoding: 'utf8'}));
  assert.equal(shown.state, 'delivered');
  const hash = shown.proof_hash;
  assert.match(hash, /^[0-9a-f]{64}$/);
  // The signature is stored content-addressed: a PNG of the pad's size
  // whose BLAKE2b-256 is the hash.
  const file = join(courierDir, 'attachments', hash.slice(0, 2), hash);
  const png = readFileSync(file);
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [600, 180]);
  assert.equal(b2sum256(file), hash);
  const delivered = outboxEvents('shipment_delivered');
  assert.equal(delivered.length, 1);
  const p = JSON.parse(delivered[0].payload);
  assert.equal(p.proof_hash, hash);
  assert.equal(p.recipient_name, kRecipient);
  assert.equal(p.recipient_relation, kRelation);
  assert.equal(p.recipient_id_suffix, kIdSuffix);
  assert.equal(outboxEvents('shipment_picked_up').length, 1);
  assert.equal(outboxEvents('shipment_out_for_delivery').length, 1);
  const proofs = outboxEvents('attachment_added').filter(
      (e) => JSON.stringify(JSON.parse(e.payload)).includes(hash));
  assert.equal(proofs.length, 1);
  assert.ok(proofs[0].seq < delivered[0].seq, 'the proof is stored after the delivery');
});

await step('the English switch shows the page in English', async () => {
  await page.click('#lang-en');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.textContent('h1'), 'Result delivery by post');
  await page.waitForFunction((w) => {
    const li = document.getElementById('shipment-' + w);
    return li && li.textContent.includes('Delivered');
  }, waybill);
  await page.click(`#shipment-${waybill}`);
  await page.waitForSelector('#view-detail:not([hidden])');
  assert.equal(await page.textContent('#detail-state'), 'Delivered');
  assert.equal(await page.textContent('#act-deliver'), 'Delivered');
  await page.click('#lang-vi');
  assert.equal(await page.getAttribute('html', 'lang'), 'vi');
});

await step('after the courier syncs, the central\'s shipment is delivered', async () => {
  execFileSync(nodeBin, ['sync', '--data', courierDir, '--once'], {encoding: 'utf8'});
  const resp = await fetch(`${centralUrl}/api/dispatch/shipments/${waybill}`,
      {headers: {Authorization: `Bearer ${dispatchToken}`}});
  assert.equal(resp.status, 200);
  const {shipment} = await resp.json();
  assert.equal(shipment.state, 'delivered');
  assert.equal(shipment.courier_node_id, 'courier-01');
  assert.equal(shipment.dossier_code, code);
  assert.equal(shipment.conflict_count, 0);
  assert.ok(shipment.delivered_at, 'no delivered_at');
});

await step('the public tracking JSON shows the delivery as delivered', async () => {
  const resp = await fetch(`${centralUrl}/api/track`, {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code, secret})});
  assert.equal(resp.status, 200);
  const body = await resp.json();
  const track = body.dossier || body;
  assert.equal(track.delivery.waybill, waybill);
  assert.equal(track.delivery.state, 'delivered');
  const text = JSON.stringify(body);
  for (const p of [kRecipient, kIdSuffix, kRelation, 'Nguyễn Thị Hồng Nhung', '0903123456']) {
    assert.ok(!text.includes(p), `"${p}" is in the tracking answer`);
  }
});

await step('no script error and nothing fetched from another origin', async () => {
  assert.deepEqual(scriptErrors, []);
  const origin = new URL(courierUrl).origin;
  assert.deepEqual(requests.filter((u) => !u.startsWith(origin)), []);
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
