// Acceptance in a real browser (playwright-core driving Debian's Chromium) against real processes:
// MariaDB, two memcached, two session-service instances, two web replicas and a round-robin proxy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { startBackingServices, type BackingServices } from './support/backing-services.js';
import { launchChromium } from './support/chromium.js';
import { startSessionService, startWebReplica, type ServiceProcess } from './support/processes.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/round-robin-proxy.js';

let deps: BackingServices;
let sessions: ServiceProcess[] = [];
let webs: ServiceProcess[] = [];
let proxy: RoundRobinProxy;
let browser: Browser;

before(async () => {
  // The browser first: a missing Chromium fails at once with the Debian package to install.
  browser = await launchChromium();
  deps = await startBackingServices();
  sessions = await Promise.all(['session1', 'session2'].map((n) => startSessionService(n, deps.memcachedAddresses)));
  const env = {
    WEB_DB_HOSTS: deps.dbAddress,
    WEB_MEMCACHED_NODES: deps.memcachedAddresses.join(','),
    WEB_SESSION_URLS: sessions.map((s) => s.url).join(','),
    WEB_SEED_PRODUCTS: '200',
    WEB_SEED_USERS: '20',
  };
  // Both replicas start at once: one migrates and seeds, the other waits for the migration lock.
  webs = await Promise.all(['web1', 'web2'].map((n) => startWebReplica(n, env)));
  proxy = await startRoundRobinProxy(webs.map((w) => w.url));
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  await Promise.all(webs.map((w) => w.stop()));
  await Promise.all(sessions.map((s) => s.stop()));
  await deps?.stop();
});

const servedBy = (page: Page) => page.locator('#served-by').innerText();

async function expectOk(page: Page, response: Awaited<ReturnType<Page['goto']>>): Promise<void> {
  assert.ok(response, 'navigation answered');
  assert.equal(response.status(), 200, `${response.url()}: ${await page.content()}`);
}

test('sign up, log in, fill the cart, move between replicas, check out, survive a replica kill', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const base = proxy.url;
  try {
    // Sign up (which logs in), log out, log in again.
    await expectOk(page, await page.goto(`${base}/signup`));
    await page.fill('#signup-form input[name=username]', 'shopper');
    await page.fill('#signup-form input[name=password]', 'a fine password');
    await Promise.all([page.waitForURL(`${base}/`), page.click('#signup-form button[type=submit]')]);
    assert.equal(await page.locator('#whoami strong').innerText(), 'shopper');
    await Promise.all([page.waitForURL(`${base}/`), page.click('#logout')]);
    assert.equal(await page.locator('#login-link').count(), 1);
    await expectOk(page, await page.goto(`${base}/login`));
    await page.fill('#login-form input[name=username]', 'shopper');
    await page.fill('#login-form input[name=password]', 'a fine password');
    await Promise.all([page.waitForURL(`${base}/`), page.click('#login-form button[type=submit]')]);
    assert.equal(await page.locator('#whoami strong').innerText(), 'shopper');

    // Three products into the cart.
    const links = await page.locator('#catalogue a.product-link').evaluateAll((as) => as.slice(0, 3).map((a) => (a as unknown as { href: string }).href));
    assert.equal(links.length, 3);
    for (const href of links) {
      await expectOk(page, await page.goto(href));
      await Promise.all([page.waitForURL(`${base}/cart`), page.click('#add-to-cart button[type=submit]')]);
    }
    assert.equal(await page.locator('#cart-items').innerText(), '3');

    // Reload until another replica renders the page: the cart and the login are still there.
    const first = await servedBy(page);
    let other = first;
    for (let i = 0; i < 10 && other === first; i++) {
      await expectOk(page, await page.reload());
      other = await servedBy(page);
    }
    assert.notEqual(other, first, 'the round robin reached the other replica');
    assert.equal(await page.locator('#cart-items').innerText(), '3');
    assert.equal(await page.locator('#whoami strong').innerText(), 'shopper');

    // Check out; the order is in the history.
    await Promise.all([page.waitForURL(/\/orders\/\d+\?placed=1$/), page.click('#checkout')]);
    assert.match(await page.locator('#message').innerText(), /order is placed/);
    const orderId = await page.locator('#order-title').getAttribute('data-order-id');
    assert.ok(orderId);
    await expectOk(page, await page.goto(`${base}/orders`));
    assert.equal(await page.locator(`#orders tr[data-order-id="${orderId}"]`).count(), 1);
    assert.equal(await page.locator('#cart-count').innerText(), '0');

    // One more item in the cart, then kill the replica that served the last request.
    await expectOk(page, await page.goto(links[0]!));
    await Promise.all([page.waitForURL(`${base}/cart`), page.click('#add-to-cart button[type=submit]')]);
    const victimName = await servedBy(page);
    const victim = webs.find((w) => w.name === victimName)!;
    victim.kill('SIGKILL');
    await victim.daemon.exited;
    await expectOk(page, await page.reload());
    const survivor = await servedBy(page);
    assert.notEqual(survivor, victimName);
    assert.equal(await page.locator('#whoami strong').innerText(), 'shopper');
    assert.equal(await page.locator('#cart-items').innerText(), '1');
  } catch (err) {
    for (const w of webs) process.stderr.write(`--- ${w.name} log ---\n${readFileSync(w.logFile, 'utf8').slice(-4000)}\n`);
    throw err;
  } finally {
    await context.close();
  }
});
