import test from 'node:test';
import assert from 'node:assert/strict';
import { errorMessage, progressLine, scoreSentence, verdictHeadline, verdictTone } from '../lib/wording.js';

test('headlines hedge and never show a percentage', () => {
  assert.equal(verdictHeadline('likely_fake'), 'Likely manipulated');
  assert.equal(verdictHeadline('uncertain'), 'Uncertain');
  assert.equal(verdictHeadline('likely_real'), 'Likely authentic');
  for (const v of ['likely_fake', 'uncertain', 'likely_real', 'not_applicable']) {
    const h = verdictHeadline(v, 'no face found');
    assert.doesNotMatch(h, /%|\bis fake\b|\bis real\b|certain(ly)? (fake|real)|definitely|proven/i);
  }
});

test('not applicable carries the server reason, shortened', () => {
  assert.equal(verdictHeadline('not_applicable', 'image_faces: no face found'), 'Not applicable: image_faces: no face found');
  assert.equal(verdictHeadline('not_applicable', null), 'Not applicable');
  assert.ok(verdictHeadline('not_applicable', 'x'.repeat(500)).length < 110);
});

test('unknown verdicts fall back to uncertain, never to a confident label', () => {
  assert.equal(verdictHeadline('banana'), 'Uncertain');
  assert.equal(verdictTone('banana'), 'uncertain');
  assert.equal(verdictTone('likely_fake'), 'fake');
  assert.equal(verdictTone('not_applicable'), 'na');
});

test('the score sentence is the only place with a percentage, and says it is an estimate', () => {
  assert.match(scoreSentence(0.734), /73%/);
  assert.match(scoreSentence(0.734), /estimate, not proof/);
  assert.match(scoreSentence(null), /No score/);
});

test('progress shows stage and percent', () => {
  assert.equal(progressLine('downloading', 0.4), 'Checking: downloading 40%');
  assert.equal(progressLine(null, undefined), 'Checking: queued');
});

test('errors say what to do', () => {
  assert.equal(errorMessage('server_unreachable'), 'FakeScope server not running — start it with: fakescope serve');
  assert.match(errorMessage('download_failed', { upstream_status: 403 }), /HTTP 403.*send bytes/);
  assert.match(errorMessage('permission_needed', { origin: 'intra.example' }), /intra\.example.*popup/);
  assert.match(errorMessage('busy'), /try again/);
  assert.match(errorMessage('weird_code', { message: 'boom' }), /boom/);
});
