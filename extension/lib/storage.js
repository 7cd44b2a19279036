/**
 * Read-modify-write of one map in extension storage, one update after another.
 *
 * storage.local / storage.session have no transactions: two checks finishing together would both read the
 * old map and the second write would drop the first one's entry (seen in Firefox: a page scan re-submitted
 * URLs it had already checked). updateMap chains every update of one key behind the previous one.
 */
const updates = new Map(); // storage key -> promise of its last update

export function updateMap(area, key, change) {
  const run = (updates.get(key) ?? Promise.resolve()).then(async () => {
    const { [key]: map = {} } = await area.get(key);
    await area.set({ [key]: change(map) });
  });
  updates.set(key, run.catch(() => {})); // a failed update must not block the next one
  return run;
}
