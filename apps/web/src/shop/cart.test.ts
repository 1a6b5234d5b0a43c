import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cartOf, MAX_CART_LINES, MAX_QUANTITY, withAdded, withOrdered, withQuantity } from './cart.js';

test('cartOf ignores junk and caps quantities', () => {
  const cart = cartOf({ cart: { '5': 2, x: 3, '-1': 1, '7': 0, '9': 1.5, '11': 500 } });
  assert.deepEqual([...cart], [
    [5, 2],
    [11, MAX_QUANTITY],
  ]);
  assert.equal(cartOf(undefined).size, 0);
});

test('adding, setting and removing quantities', () => {
  let d = withAdded({ userId: 1, username: 'u' }, 3, 2);
  d = withAdded(d, 3, 1);
  d = withAdded(d, 8, 98);
  d = withAdded(d, 8, 5);
  assert.deepEqual(d, { userId: 1, username: 'u', cart: { '3': 3, '8': MAX_QUANTITY } });
  d = withQuantity(d, 3, 0);
  assert.deepEqual(d.cart, { '8': MAX_QUANTITY });
  d = withQuantity(d, 4, 7);
  assert.deepEqual(d.cart, { '4': 7, '8': MAX_QUANTITY });
});

test('a full cart takes no new products; ordered quantities are taken out, later additions stay', () => {
  let d = {};
  for (let i = 1; i <= MAX_CART_LINES + 3; i++) d = withAdded(d, i, 1);
  assert.equal(cartOf(d).size, MAX_CART_LINES);
  const after = withOrdered({ cart: { '1': 2, '2': 5, '3': 1 } }, new Map([
    [1, 2],
    [2, 3],
    [9, 1],
  ]));
  assert.deepEqual(after.cart, { '2': 2, '3': 1 });
});
