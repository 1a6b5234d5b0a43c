import type { CataloguePage, Product } from '../shop/products-repo.js';
import type { Order } from '../shop/orders-repo.js';
import type { CartView } from '../shop/shop.js';
import { html, money, type SafeHtml } from './html.js';
import { layout, type PageContext } from './layout.js';

function pageHref(page: number, query: string): string {
  const p = new URLSearchParams();
  if (query) p.set('q', query);
  if (page > 1) p.set('page', String(page));
  const s = p.toString();
  return s ? `/products?${s}` : '/products';
}

export function cataloguePage(ctx: PageContext, cat: CataloguePage): SafeHtml {
  const rows = cat.items.map(
    (p) => html`<tr><td><a href="/products/${p.id}" class="product-link" data-product-id="${p.id}">${p.name}</a></td>
      <td>${p.sku}</td><td class="num">${money(p.priceCents)}</td></tr>`,
  );
  const body = html`<h1>Catalogue</h1>
<form method="get" action="/products" role="search">
  <input type="search" name="q" value="${cat.query}" placeholder="Search products" maxlength="100" aria-label="Search">
  <button type="submit">Search</button>
</form>
<p>${cat.total} product${cat.total === 1 ? '' : 's'}${cat.query ? html` matching “${cat.query}”` : ''} · page ${cat.page} of ${cat.pages}</p>
<table id="catalogue"><thead><tr><th>Product</th><th>SKU</th><th class="num">Price</th></tr></thead>
<tbody>${rows}</tbody></table>
<nav class="pager">
  ${cat.page > 1 ? html`<a rel="prev" href="${pageHref(cat.page - 1, cat.query)}">← Previous</a>` : ''}
  ${cat.page < cat.pages ? html`<a rel="next" href="${pageHref(cat.page + 1, cat.query)}">Next →</a>` : ''}
</nav>`;
  return layout('Catalogue', ctx, body);
}

export function productPage(ctx: PageContext, product: Product, csrfToken: string, message?: string): SafeHtml {
  const body = html`<h1 id="product-name">${product.name}</h1>
${message ? html`<p class="ok" id="message">${message}</p>` : ''}
<p>${product.description}</p>
<p>SKU ${product.sku} · <strong id="price">${money(product.priceCents)}</strong> · <span id="stock">${product.stock}</span> in stock</p>
<form method="post" action="/cart" id="add-to-cart">
  <input type="hidden" name="_csrf" value="${csrfToken}">
  <input type="hidden" name="productId" value="${product.id}">
  <label>Quantity <input type="number" name="quantity" value="1" min="1" max="99"></label>
  <button type="submit">Add to cart</button>
</form>
<p><a href="/products">← Back to the catalogue</a></p>`;
  return layout(product.name, ctx, body);
}

export interface AccountFormState {
  csrfToken: string;
  username?: string;
  error?: string;
  next?: string;
}

export function loginPage(ctx: PageContext, state: AccountFormState): SafeHtml {
  const body = html`<h1>Log in</h1>
${state.error ? html`<p class="error" id="error">${state.error}</p>` : ''}
<form method="post" action="/login" id="login-form">
  <input type="hidden" name="_csrf" value="${state.csrfToken}">
  <input type="hidden" name="next" value="${state.next ?? '/'}">
  <p><label>User name <input name="username" autocomplete="username" required maxlength="32" value="${state.username ?? ''}"></label></p>
  <p><label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="200"></label></p>
  <button type="submit">Log in</button>
</form>
<p>No account? <a href="/signup">Sign up</a>.</p>`;
  return layout('Log in', ctx, body);
}

export function signupPage(ctx: PageContext, state: AccountFormState): SafeHtml {
  const body = html`<h1>Sign up</h1>
${state.error ? html`<p class="error" id="error">${state.error}</p>` : ''}
<form method="post" action="/signup" id="signup-form">
  <input type="hidden" name="_csrf" value="${state.csrfToken}">
  <p><label>User name <input name="username" autocomplete="username" required minlength="3" maxlength="32" pattern="[A-Za-z0-9_.\\-]{3,32}" value="${state.username ?? ''}"></label>
    <small>3–32 letters, digits, “_”, “.” or “-”</small></p>
  <p><label>Password <input name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="200"></label>
    <small>at least 8 characters</small></p>
  <button type="submit">Create account</button>
</form>`;
  return layout('Sign up', ctx, body);
}

export function cartPage(ctx: PageContext, cart: CartView, state: { csrfToken: string; idempotencyKey: string; error?: string }): SafeHtml {
  const rows = cart.lines.map(
    (l) => html`<tr data-product-id="${l.productId}"><td><a href="/products/${l.productId}">${l.name}</a></td>
      <td class="num">${money(l.priceCents)}</td>
      <td class="num"><form method="post" action="/cart/update">
        <input type="hidden" name="_csrf" value="${state.csrfToken}"><input type="hidden" name="productId" value="${l.productId}">
        <input type="number" name="quantity" value="${l.quantity}" min="0" max="99" aria-label="Quantity"> <button type="submit">Update</button>
      </form></td>
      <td class="num">${money(l.lineCents)}</td></tr>`,
  );
  const checkout = ctx.username
    ? html`<form method="post" action="/checkout" id="checkout-form">
  <input type="hidden" name="_csrf" value="${state.csrfToken}">
  <input type="hidden" name="idempotencyKey" value="${state.idempotencyKey}">
  <button type="submit" id="checkout">Place order</button>
</form>`
    : html`<p><a href="/login?next=/cart">Log in</a> to check out.</p>`;
  const body = html`<h1>Your cart</h1>
${state.error ? html`<p class="error" id="error">${state.error}</p>` : ''}
${cart.lines.length === 0
    ? html`<p id="cart-empty">Your cart is empty. <a href="/products">Browse the catalogue</a>.</p>`
    : html`<table id="cart"><thead><tr><th>Product</th><th class="num">Price</th><th class="num">Quantity</th><th class="num">Total</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><th colspan="3">Total (<span id="cart-items">${cart.itemCount}</span> items)</th><th class="num" id="cart-total">${money(cart.totalCents)}</th></tr></tfoot></table>
${checkout}`}`;
  return layout('Cart', ctx, body);
}

export function ordersPage(ctx: PageContext, orders: Order[]): SafeHtml {
  const rows = orders.map(
    (o) => html`<tr data-order-id="${o.id}"><td><a href="/orders/${o.id}">Order #${o.id}</a></td><td>${o.createdAt.replace('T', ' ').slice(0, 19)} UTC</td>
      <td class="num">${o.itemCount}</td><td class="num">${money(o.totalCents)}</td></tr>`,
  );
  const body = html`<h1>Your orders</h1>
${orders.length === 0
    ? html`<p id="no-orders">No orders yet.</p>`
    : html`<table id="orders"><thead><tr><th>Order</th><th>Placed</th><th class="num">Items</th><th class="num">Total</th></tr></thead><tbody>${rows}</tbody></table>`}`;
  return layout('Orders', ctx, body);
}

export function orderPage(ctx: PageContext, order: Order, placed: boolean): SafeHtml {
  const rows = order.lines.map(
    (l) => html`<tr><td><a href="/products/${l.productId}">${l.name}</a></td><td class="num">${l.quantity}</td>
      <td class="num">${money(l.priceCents)}</td><td class="num">${money(l.priceCents * l.quantity)}</td></tr>`,
  );
  const body = html`<h1 id="order-title" data-order-id="${order.id}">Order #${order.id}</h1>
${placed ? html`<p class="ok" id="message">Thank you: your order is placed.</p>` : ''}
<p>Placed ${order.createdAt.replace('T', ' ').slice(0, 19)} UTC</p>
<table id="order-lines"><thead><tr><th>Product</th><th class="num">Quantity</th><th class="num">Price</th><th class="num">Total</th></tr></thead>
<tbody>${rows}</tbody><tfoot><tr><th colspan="3">Total</th><th class="num">${money(order.totalCents)}</th></tr></tfoot></table>
<p><a href="/orders">← All orders</a></p>`;
  return layout(`Order #${order.id}`, ctx, body);
}

export function errorPage(ctx: PageContext, status: number, code: string, message: string): SafeHtml {
  const titles: Record<number, string> = {
    400: 'Bad request',
    401: 'Log in first',
    403: 'Forbidden',
    404: 'Not found',
    409: 'Conflict',
    413: 'Too large',
    429: 'Too many requests',
    503: 'Temporarily unavailable',
  };
  const title = titles[status] ?? (status >= 500 ? 'Something went wrong' : 'Error');
  const body = html`<h1 id="error-title">${title}</h1>
<p class="error" id="error" data-code="${code}">${message}</p>
${status === 503 ? html`<p>Part of the shop is not reachable right now. Please try again in a few seconds.</p>` : ''}
<p><a href="/">Back to the shop</a></p>`;
  return layout(title, ctx, body);
}
