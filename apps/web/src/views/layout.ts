import { html, SafeHtml } from './html.js';

/** What every page shows around its content. */
export interface PageContext {
  /** Instance name of the replica rendering the page (footer and `data-served-by`). */
  instance: string;
  username: string | null;
  cartCount: number;
  /** CSRF token of the session (needed for the logout button when logged in). */
  csrfToken: string | null;
}

const STYLE = `
body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header,footer{background:#1d2330;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a,footer a{color:#fff}
header .brand{font-weight:700;margin-right:auto;text-decoration:none}
header form{display:inline;margin:0}
main{max-width:960px;margin:1.2rem auto;padding:0 1rem;background:#fff;border-radius:6px;padding:1rem 1.4rem}
table{border-collapse:collapse;width:100%}td,th{padding:.35rem .5rem;border-bottom:1px solid #e3e6ea;text-align:left}
.num{text-align:right}.error{color:#a4161a;font-weight:600}.ok{color:#1b7a36;font-weight:600}
.pager{display:flex;gap:1rem;margin-top:1rem}
button,input[type=submit]{cursor:pointer}
footer{justify-content:center;font-size:.85rem;margin-top:2rem}
`;

/** The page shell: header with navigation and login state, the content, and a footer naming the replica. */
export function layout(title: string, ctx: PageContext, content: SafeHtml): SafeHtml {
  const account = ctx.username
    ? html`<span id="whoami">Logged in as <strong>${ctx.username}</strong></span>
        <a href="/orders">Orders</a>
        <form method="post" action="/logout"><input type="hidden" name="_csrf" value="${ctx.csrfToken ?? ''}"><button type="submit" id="logout">Log out</button></form>`
    : html`<a href="/login" id="login-link">Log in</a> <a href="/signup">Sign up</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · scaleout shop</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body data-served-by="${ctx.instance}">
<header>
  <a class="brand" href="/">scaleout shop</a>
  <a href="/products">Catalogue</a>
  <a href="/cart" id="cart-link">Cart (<span id="cart-count">${ctx.cartCount}</span>)</a>
  ${account}
</header>
<main>
${content}
</main>
<footer><span>Served by <strong id="served-by">${ctx.instance}</strong></span></footer>
</body>
</html>
`;
}

