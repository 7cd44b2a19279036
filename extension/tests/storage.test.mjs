import test from 'node:test';
import assert from 'node:assert/strict';
import { updateMap } from '../lib/storage.js';

/** An async storage area like chrome.storage: every get/set yields to the event loop first. */
function fakeArea() {
  const data = {};
  const tick = () => new Promise((r) => setTimeout(r, Math.random() * 3));
  return {
    data,
    async get(key) { await tick(); return key in data ? { [key]: structuredClone(data[key]) } : {}; },
    async set(obj) { await tick(); Object.assign(data, structuredClone(obj)); },
  };
}

test('concurrent updates of one map lose nothing', async () => {
  const area = fakeArea();
  await Promise.all(Array.from({ length: 20 }, (_, i) => updateMap(area, 'scanCache', (m) => ({ ...m, [`u${i}`]: i }))));
  assert.equal(Object.keys(area.data.scanCache).length, 20);
});

test('a failing update does not block the next one', async () => {
  const area = fakeArea();
  await assert.rejects(updateMap(area, 'jobs', () => { throw new Error('boom'); }), /boom/);
  await updateMap(area, 'jobs', (m) => ({ ...m, a: 1 }));
  assert.deepEqual(area.data.jobs, { a: 1 });
});
