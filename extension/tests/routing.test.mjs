import test from 'node:test';
import assert from 'node:assert/strict';
import {
  isGrantedByManifest, isPrivateHost, jobKey, kindFor, originPattern, planSubmission, shouldFallBackToBytes, srcKey, uploadFilename,
} from '../lib/routing.js';

const page = 'https://news.example/article';

test('http(s) media goes to the server as a URL with its kind; video also with its page for yt-dlp', () => {
  const plan = planSubmission({ srcUrl: 'https://cdn.example/a.jpg', mediaType: 'image', pageUrl: page });
  assert.deepEqual(plan, { mode: 'url', body: { url: 'https://cdn.example/a.jpg', kind: 'image' } });
  const video = planSubmission({ srcUrl: 'https://cdn.example/a.mp4', mediaType: 'video', pageUrl: page });
  assert.deepEqual(video, { mode: 'url', body: { url: 'https://cdn.example/a.mp4', kind: 'video', page_url: page } });
});

test('blob:/MSE video sends the page URL for yt-dlp', () => {
  const plan = planSubmission({ srcUrl: 'blob:https://www.youtube.com/3f2a', mediaType: 'video', pageUrl: 'https://www.youtube.com/watch?v=x' });
  assert.deepEqual(plan, { mode: 'page', body: { page_url: 'https://www.youtube.com/watch?v=x', kind: 'video' } });
  const noSrc = planSubmission({ srcUrl: undefined, mediaType: 'video', pageUrl: page });
  assert.equal(noSrc.mode, 'page');
});

test('blob: image is read by the page (its origin owns it), data: is uploaded by the background', () => {
  assert.deepEqual(planSubmission({ srcUrl: 'blob:https://x/1', mediaType: 'image', pageUrl: page }), { mode: 'page-blob', kind: 'image' });
  const data = planSubmission({ srcUrl: 'data:image/png;base64,iVBO', mediaType: 'image', pageUrl: page });
  assert.deepEqual(data, { mode: 'bytes', fetchUrl: 'data:image/png;base64,iVBO', kind: 'image' });
});

test('the send-bytes option uploads http(s) originals', () => {
  const plan = planSubmission({ srcUrl: 'https://cdn.example/a.mp3', mediaType: 'audio', pageUrl: page }, { sendBytes: true });
  assert.deepEqual(plan, { mode: 'bytes', fetchUrl: 'https://cdn.example/a.mp3', kind: 'audio' });
});

test('unknown schemes and kinds', () => {
  assert.equal(planSubmission({ srcUrl: 'ftp://x/a.jpg', mediaType: 'image' }).mode, 'error');
  assert.equal(kindFor('frame'), 'auto');
  assert.equal(kindFor('video'), 'video');
});

test('fall back to bytes only for refusals the browser can legitimately get around', () => {
  const plan = { mode: 'url', body: {} };
  assert.equal(shouldFallBackToBytes({ code: 'forbidden_address' }, plan), true);
  assert.equal(shouldFallBackToBytes({ code: 'download_failed', upstream_status: 403 }, plan), true);
  assert.equal(shouldFallBackToBytes({ code: 'download_failed', upstream_status: 401 }, plan), true);
  assert.equal(shouldFallBackToBytes({ code: 'download_failed', upstream_status: 404 }, plan), false);
  assert.equal(shouldFallBackToBytes({ code: 'unsupported_media' }, plan), false);
  assert.equal(shouldFallBackToBytes({ code: 'server_unreachable' }, plan), false);
  assert.equal(shouldFallBackToBytes({ code: 'forbidden_address' }, { mode: 'page' }), false);
});

test('permission patterns and hosts', () => {
  assert.equal(originPattern('https://cdn.example:8443/a/b.jpg?x=1'), 'https://cdn.example/*');
  assert.equal(originPattern('data:image/png;base64,AA'), null);
  assert.equal(isGrantedByManifest('http://127.0.0.1:9000/a.jpg'), true);
  assert.equal(isGrantedByManifest('https://127.0.0.1/a.jpg'), false);
  for (const h of ['10.1.2.3', '192.168.0.10', '172.20.1.1', '127.0.0.1', 'localhost', 'nas.local', '[::1]', '169.254.1.1']) {
    assert.equal(isPrivateHost(h), true, h);
  }
  for (const h of ['8.8.8.8', '172.32.0.1', 'example.com', 'fd.example.com', '']) assert.equal(isPrivateHost(h), false, h);
});

test('job keys stay short for huge data: URLs and distinguish different media', () => {
  const a = `data:image/png;base64,${'A'.repeat(100000)}`;
  const b = `data:image/png;base64,${'A'.repeat(99999)}B`;
  assert.ok(jobKey(1, 0, a).length < 120);
  assert.notEqual(srcKey(a), srcKey(b));
  assert.equal(srcKey('https://x/a.jpg'), 'https://x/a.jpg');
  assert.equal(jobKey(3, 2, 'https://x/a.jpg'), '3:2:https://x/a.jpg');
});

test('upload filenames', () => {
  assert.equal(uploadFilename('https://x/path/photo%201.jpg', 'image', 'image/jpeg'), 'photo 1.jpg');
  assert.equal(uploadFilename('data:image/png;base64,AA', 'image', 'image/png'), 'image.png');
  assert.equal(uploadFilename('data:,', 'auto', ''), 'media.bin');
});
