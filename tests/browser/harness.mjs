// What every browser test script shares: the Chromium it drives and the
// watchdog that fails the whole run when it takes too long.
import {chromium} from 'playwright-core';

const kChromium = process.env.HOSO_CHROMIUM || '/usr/bin/chromium';

// Ends the process as one failed step after `totalMs`; does not keep the
// process alive by itself.
export function startWatchdog(totalMs) {
  const watchdog = setTimeout(() => {
    console.error(`FAIL: the browser test took longer than ${totalMs / 1000} s`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }, totalMs);
  watchdog.unref();
}

// Headless Chromium with nothing of its own talking to the network.
export function launchChromium() {
  return chromium.launch({
    executablePath: kChromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
