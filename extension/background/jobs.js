/**
 * Check jobs: submit the media (URL, page, or bytes the background read itself), then long-poll the
 * server and relay each state to the badge. Job state lives in chrome.storage.session because an MV3
 * service worker can be stopped at any time; resumeJobs() picks the polls up again when it restarts.
 */
import * as api from './api.js';
import { attachBadge, ensureBadgeScript, readBlobInPage, showView } from './page.js';
import { errorView, pendingView, viewForCheck } from '../lib/details.js';
import {
  BYTE_CAPS, TERMINAL, isGrantedByManifest, jobKey, originPattern, planSubmission, shouldFallBackToBytes,
  srcKey, uploadFilename,
} from '../lib/routing.js';
import { pruneCache } from '../lib/settings.js';
import { updateMap } from '../lib/storage.js';

const ext = globalThis.browser ?? globalThis.chrome;
// The long-poll returns as soon as the check ends or its stage changes (we send the stage we last saw),
// so stage changes show at once; the wait bounds how stale the percentage within one stage can get.
const POLL_WAIT_S = 5;
const BUSY_RETRIES = 30; // about a minute of "queue full" before the badge says so
const polling = new Set(); // job keys this worker instance is polling right now

/**
 * Check one media element for a tab. `target` = {tabId, frameId, srcUrl, mediaType, pageUrl}.
 * Resolves with the final badge view (tests and the scan batcher wait on it).
 */
export async function checkMedia(target, settings) {
  const badgeKey = srcKey(target.srcUrl);
  try {
    await ensureBadgeScript(target.tabId, target.frameId);
  } catch (err) {
    // No access to this page (no activeTab gesture, no granted host): nothing can be drawn or read there.
    // Remember the site so the popup offers the Allow button this message points to.
    console.warn('FakeScope: cannot draw on this page', err);
    const view = errorView(errorOf(await needPermission(target.pageUrl || target.srcUrl)));
    await ext.storage.session.set({ lastProblem: { headline: view.headline, code: view.errorCode, at: Date.now() } });
    return view;
  }
  await attachBadge(target.tabId, target.frameId, badgeKey, target.srcUrl, target.mediaType);
  const relay = (view) => showView(target.tabId, target.frameId, badgeKey, view);
  await relay(pendingView({ stage: 'sending' }));

  const plan = planSubmission(target, settings);
  let check;
  try {
    check = await submitWhenFree(target, plan, settings, relay);
  } catch (err) {
    const view = errorView(errorOf(err));
    await relay(view);
    return view;
  }
  const job = newJob(target, check.id, badgeKey, settings);
  await saveJob(job);
  const { view, last } = await follow(job, check, relay, (c) => shouldFallBackToBytes(c.error, plan));
  // The server accepted the URL but its download was refused later (login, cookies, intranet):
  // read the original bytes in the browser and check those instead.
  if (last && last.status === 'failed' && shouldFallBackToBytes(last.error, plan)) {
    try {
      const retry = await uploadFrom(settings.serverUrl, target.srcUrl, plan.body.kind);
      return (await follow(newJob(target, retry.id, badgeKey, settings), retry, relay)).view;
    } catch (err) {
      const errView = errorView(errorOf(err));
      await relay(errView);
      return errView;
    }
  }
  return view;
}

function newJob(target, checkId, badgeKey, settings) {
  return {
    key: jobKey(target.tabId, target.frameId, target.srcUrl), badgeKey, checkId, tabId: target.tabId,
    frameId: target.frameId || 0, serverUrl: settings.serverUrl, srcUrl: short(target.srcUrl),
  };
}

/**
 * The server answers 429 "busy" when its queue is full (many thumbnails at once): wait as long as its
 * Retry-After says and try again, showing that we wait, instead of failing the badge.
 */
async function submitWhenFree(target, plan, settings, relay) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await submit(target, plan, settings);
    } catch (err) {
      if (!(err instanceof api.ApiError) || err.code !== 'busy' || attempt >= BUSY_RETRIES) throw err;
      await relay(pendingView({ stage: 'waiting for the server (queue full)' }));
      const waitS = Math.min(10, Math.max(1, Number(err.retry_after) || 2));
      await new Promise((r) => { setTimeout(r, waitS * 1000 * (0.75 + Math.random() / 2)); });
    }
  }
}

async function submit(target, plan, settings) {
  const { serverUrl } = settings;
  if (plan.mode === 'error') throw new api.ApiError(plan.code);
  if (plan.mode === 'url' || plan.mode === 'page') {
    try {
      return await api.submitUrl(serverUrl, plan.body);
    } catch (err) {
      if (!shouldFallBackToBytes(err, plan)) throw err;
      // The server may not fetch it (login, cookies, intranet): read the original bytes ourselves.
      return uploadFrom(serverUrl, target.srcUrl, plan.body.kind);
    }
  }
  if (plan.mode === 'page-blob') {
    const dataUrl = await readBlobInPage(target.tabId, target.frameId, target.srcUrl);
    if (!dataUrl) throw new api.ApiError('blob_unreadable');
    return uploadFrom(serverUrl, dataUrl, plan.kind);
  }
  return uploadFrom(serverUrl, plan.fetchUrl, plan.kind);
}

/** Fetch the original bytes (never canvas pixels) and upload them as multipart. */
async function uploadFrom(serverUrl, fetchUrl, kind) {
  const pattern = originPattern(fetchUrl);
  if (pattern && !isGrantedByManifest(fetchUrl)) {
    const granted = await ext.permissions.contains({ origins: [pattern] });
    if (!granted) throw await needPermission(fetchUrl);
  }
  let res;
  try {
    // credentials: the user's own session is exactly why the browser can read what the server cannot.
    res = await fetch(fetchUrl, { credentials: 'include', cache: 'force-cache' });
  } catch (err) {
    throw new api.ApiError('fetch_failed', String(err));
  }
  if (!res.ok) throw new api.ApiError('download_failed', `HTTP ${res.status}`, { upstream_status: res.status });
  const cap = BYTE_CAPS[kind] || BYTE_CAPS.video;
  if (Number(res.headers.get('Content-Length')) > cap) throw new api.ApiError('too_large');
  const blob = await res.blob();
  if (blob.size > cap) throw new api.ApiError('too_large');
  if (blob.size === 0) throw new api.ApiError('decode_failed', 'empty file');
  return api.submitBytes(serverUrl, blob, kind, uploadFilename(fetchUrl, kind, blob.type));
}

/** Record the site the popup's Allow button will request, and the error that tells the user so. */
async function needPermission(url) {
  const pattern = originPattern(url);
  if (pattern) await ext.storage.session.set({ pendingGrant: pattern });
  let host = 'this site';
  try { host = new URL(url).host || host; } catch { /* keep the generic name */ }
  return new api.ApiError('permission_needed', `access to ${pattern || url} not granted`, { origin: host });
}

/** Relay `check` and long-poll until it is done, failed or cancelled. Returns the view and last check. */
async function follow(job, check, relay, willRetry = () => false) {
  polling.add(job.key);
  // A failure the caller is about to work around is shown as progress, not as an error.
  const viewOf = (c) => (c.status === 'failed' && willRetry(c) ? pendingView({ stage: 'reading the original bytes' }) : viewForCheck(c, job.serverUrl));
  let view = viewOf(check);
  try {
    await relay(view);
    while (!TERMINAL.has(check.status)) {
      check = await api.getCheck(job.serverUrl, job.checkId, POLL_WAIT_S, check.stage);
      view = viewOf(check);
      await relay(view);
    }
    await rememberUrl(job.srcUrl, job.checkId);
  } catch (err) {
    // The server answered before and now does not: it went away during this check. That is about this
    // badge (offer Retry), not the page-wide "server not running" notice.
    const e = errorOf(err);
    view = errorView(e.code === 'server_unreachable' ? { ...e, code: 'server_gone' } : e, job.checkId);
    await relay(view);
  } finally {
    polling.delete(job.key);
    await dropJob(job.key);
  }
  return { view, last: check };
}

/** After a service-worker restart: continue every poll the previous instance left unfinished. */
export async function resumeJobs() {
  const { jobs = {} } = await ext.storage.session.get('jobs');
  for (const job of Object.values(jobs)) {
    if (polling.has(job.key)) continue;
    const relay = (view) => showView(job.tabId, job.frameId, job.badgeKey, view);
    follow(job, { id: job.checkId, status: 'running', stage: 'resuming' }, relay);
  }
}

async function saveJob(job) {
  await updateMap(ext.storage.session, 'jobs', (jobs) => ({ ...jobs, [job.key]: job }));
}

async function dropJob(key) {
  await updateMap(ext.storage.session, 'jobs', (jobs) => {
    delete jobs[key];
    return jobs;
  });
}

/** URL -> check id, so scans never submit the same URL twice (the server caches the bytes' sha256). */
async function rememberUrl(srcUrl, checkId) {
  if (!srcUrl || !/^https?:/i.test(srcUrl)) return;
  await updateMap(ext.storage.local, 'scanCache', (scanCache) => {
    delete scanCache[srcUrl]; // re-insert to mark it fresh
    scanCache[srcUrl] = checkId;
    return pruneCache(scanCache);
  });
}

/** Show a badge for an already finished check (scan cache hit) without submitting anything. */
export async function showKnownCheck(target, checkId, settings) {
  await ensureBadgeScript(target.tabId, target.frameId);
  const badgeKey = srcKey(target.srcUrl);
  await attachBadge(target.tabId, target.frameId, badgeKey, target.srcUrl, 'image');
  const relay = (view) => showView(target.tabId, target.frameId, badgeKey, view);
  try {
    const check = await api.getCheck(settings.serverUrl, checkId, 0);
    return (await follow(newJob(target, checkId, badgeKey, settings), check, relay)).view;
  } catch (err) {
    const view = errorView(errorOf(err), checkId);
    await relay(view);
    return view;
  }
}

function errorOf(err) {
  if (err instanceof api.ApiError) return { ...err.toJSON(), origin: err.origin };
  return { code: 'internal', message: String(err && err.message ? err.message : err) };
}

function short(url) {
  return url && url.length > 2048 ? null : url;
}
