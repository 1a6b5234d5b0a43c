// The shop in a real browser (playwright-core + Debian's Chromium) through the stack's LB: sign up, log
// in, fill the cart, land on another replica, check out, find the order, survive the loss of the replica
// that served the last page.
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { TestStack } from './stack-helpers.js';

const servedBy = (page: Page) => page.locator('#served-by').innerText();

async function ok(page: Page, response: Awaited<ReturnType<Page['goto']>>): Promise<void> {
  assert.ok(response, 'navigation answered');
  assert.equal(response.status(), 200, `${response.url()}: ${(await page.content()).slice(0, 500)}`);
}

export async function browserShopFlow(stack: TestStack, browser: Browser): Promise<void> {
  const base = `http://${stack.net}.1.1:8080`;
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const username = `browser${Date.now()}`;
  try {
    await ok(page, await page.goto(`${base}/signup`));
    await page.fill('#signup-form input[name=username]', username);
    await page.fill('#signup-form input[name=password]', 'a fine password');
    await Promise.all([page.waitForURL(`${base}/`), page.click('#signup-form button[type=submit]')]);
    await Promise.all([page.waitForURL(`${base}/`), page.click('#logout')]);
    await ok(page, await page.goto(`${base}/login`));
    await page.fill('#login-form input[name=username]', username);
    await page.fill('#login-form input[name=password]', 'a fine password');
    await Promise.all([page.waitForURL(`${base}/`), page.click('#login-form button[type=submit]')]);
    assert.equal(await page.locator('#whoami strong').innerText(), username);
    const lbCookie = (await context.cookies()).find((c) => c.name === 'SRV');
    assert.ok(lbCookie, 'the LB pinned the browser with its SRV cookie');
    assert.equal(lbCookie.httpOnly, true);

    const links = await page.locator('#catalogue a.product-link').evaluateAll((as) => as.slice(0, 3).map((a) => (a as unknown as { href: string }).href));
    assert.equal(links.length, 3);
    for (const href of links) {
      await ok(page, await page.goto(href));
      await Promise.all([page.waitForURL(`${base}/cart`), page.click('#add-to-cart button[type=submit]')]);
    }
    assert.equal(await page.locator('#cart-items').innerText(), '3');

    // The LB keeps a browser on one replica while it has the SRV cookie. Drop that cookie (as a new
    // browser would arrive) and reload until another replica renders the page: the shop session lives
    // in the session service, so the cart and the login are still there.
    const first = await servedBy(page);
    let other = first;
    for (let i = 0; i < 12 && other === first; i++) {
      await context.clearCookies({ name: 'SRV' });
      await ok(page, await page.reload());
      other = await servedBy(page);
    }
    assert.notEqual(other, first, 'another replica served the page');
    assert.equal(await page.locator('#cart-items').innerText(), '3');
    assert.equal(await page.locator('#whoami strong').innerText(), username);

    await Promise.all([page.waitForURL(/\/orders\/\d+\?placed=1$/), page.click('#checkout')]);
    const orderId = await page.locator('#order-title').getAttribute('data-order-id');
    assert.ok(orderId);
    await ok(page, await page.goto(`${base}/orders`));
    assert.equal(await page.locator(`#orders tr[data-order-id="${orderId}"]`).count(), 1);

    // Kill the replica that served the last page; the LB re-pins the browser and nothing is lost.
    await ok(page, await page.goto(links[0]!));
    await Promise.all([page.waitForURL(`${base}/cart`), page.click('#add-to-cart button[type=submit]')]);
    const victim = await servedBy(page);
    const killed = await stack.cli('kill', victim);
    assert.equal(killed.code, 0, killed.stderr);
    await ok(page, await page.reload());
    assert.notEqual(await servedBy(page), victim);
    assert.equal(await page.locator('#whoami strong').innerText(), username);
    assert.equal(await page.locator('#cart-items').innerText(), '1');
    assert.equal((await stack.cli('restart', victim)).code, 0);
  } finally {
    await context.close();
  }
}
