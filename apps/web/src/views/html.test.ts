import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, money, SafeHtml } from './html.js';

test('interpolated values are escaped, nested html and arrays are not escaped twice', () => {
  const name = `<script>alert("x")</script>&'`;
  const out = html`<p title="${name}">${name}</p>${[html`<b>${'a<b'}</b>`, 'c&d']}${null}${undefined}${false}${0}`;
  assert.ok(out instanceof SafeHtml);
  assert.equal(
    out.value,
    '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p><b>a&lt;b</b>c&amp;d0',
  );
  assert.equal(escapeHtml('`'), '&#96;');
});

test('money formats cents', () => {
  assert.equal(money(0), '$0.00');
  assert.equal(money(5), '$0.05');
  assert.equal(money(123456789), '$1,234,567.89');
  assert.equal(money(-250), '-$2.50');
});
