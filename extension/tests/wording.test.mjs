import test from 'node:test';
import assert from 'node:assert/strict';
import {
  VERDICT_LABELS, badgeTexts, bandSentence, errorAction, errorMessage, isPageWideError, progressLine, scoreLabel, scoreSentence,
  trackName, verdictHeadline, verdictTone,
} from '../lib/wording.js';

// The one vocabulary (issue 21 D): these four, nothing else, wherever a person reads a verdict.
const VOCABULARY = ['Likely manipulated', 'Uncertain', 'Likely authentic', 'Not applicable'];
const FORBIDDEN = /\b(likely[_ ]fake|likely[_ ]real|unsure|fake\?|real\?|N\/A|not_applicable)\b/i;

test('headlines hedge and never show a percentage', () => {
  assert.equal(verdictHeadline('likely_fake'), 'Likely manipulated');
  assert.equal(verdictHeadline('uncertain'), 'Uncertain');
  assert.equal(verdictHeadline('likely_real'), 'Likely authentic');
  for (const v of ['likely_fake', 'uncertain', 'likely_real', 'not_applicable']) {
    const h = verdictHeadline(v, 'no face found');
    assert.doesNotMatch(h, /%|\bis fake\b|\bis real\b|certain(ly)? (fake|real)|definitely|proven/i);
  }
});

test('the four labels are exactly the vocabulary, for every server code', () => {
  assert.deepEqual(Object.values(VERDICT_LABELS), VOCABULARY);
  for (const v of ['likely_fake', 'uncertain', 'likely_real', 'not_applicable']) {
    const b = badgeTexts(v, 0.27, { plainReason: 'No face found' });
    for (const text of [verdictHeadline(v, 'No face found'), b.full, b.compact]) {
      assert.ok(VOCABULARY.some((w) => text.startsWith(w)), `${v}: "${text}" starts with a vocabulary label`);
      assert.doesNotMatch(text, FORBIDDEN);
    }
  }
});

test('a number always says what it is, or is not shown', () => {
  assert.equal(scoreLabel(0.27), '27 % likely manipulated');
  assert.equal(scoreLabel(null), null);
  // "Likely authentic · 27 %" read as "27 % authentic": badges show no bare number at all.
  for (const v of ['likely_fake', 'uncertain', 'likely_real']) {
    const b = badgeTexts(v, 0.27);
    for (const text of [b.full, b.compact, b.mini, b.figure]) assert.doesNotMatch(text, /\d/, `${v} badge: ${text}`);
    assert.equal(b.scoreText, '27 % likely manipulated', 'the labelled score goes to the tooltip');
  }
  assert.match(bandSentence(0.5, { lower: 0.3, upper: 0.7 }), /^50 % likely manipulated: /);
});

test('a missing band line is a band the model does not have, never a line at 0 %', () => {
  // upper null: `score >= null` would be true for every score in JavaScript
  const onlyLower = { lower: 0.2, upper: null };
  assert.match(bandSentence(0.9, onlyLower), /above this model's 20 % line, so uncertain .*never says likely manipulated/);
  assert.match(bandSentence(0.1, onlyLower), /so likely authentic$/);
  const onlyUpper = { lower: null, upper: 0.8 };
  assert.match(bandSentence(0.05, onlyUpper), /below this model's 80 % line, so uncertain .*never says likely authentic/);
  assert.match(bandSentence(0.85, onlyUpper), /so likely manipulated$/);
  assert.equal(bandSentence(0.5, { lower: null, upper: null }), null);
});

test('plain track names for the detectors', () => {
  assert.deepEqual(['face_manipulation', 'ai_image', 'audio_speech', 'provenance'].map((n) => trackName(n)), ['Faces', 'Picture', 'Voice', 'Provenance']);
  assert.equal(trackName('voice'), 'Voice');
  assert.equal(trackName('test_mean_pixel', 'Mean pixel'), 'Mean pixel', 'an unknown detector keeps its plain title');
});

test('not applicable says why in plain words, shortened', () => {
  assert.equal(verdictHeadline('not_applicable', 'No speech found'), 'Not applicable: no speech found');
  assert.equal(verdictHeadline('not_applicable', null), 'Not applicable');
  assert.ok(verdictHeadline('not_applicable', 'x'.repeat(500)).length < 110);
});

test('badge texts: icon shape + label for each size (mini: the icon alone); provenance shows "AI tag", not a percentage', () => {
  assert.deepEqual(badgeTexts('likely_fake', 0.873), {
    icon: '\u26a0', full: 'Likely manipulated', compact: 'Likely manipulated', mini: '', figure: '', scoreText: '87 % likely manipulated',
  });
  assert.equal(badgeTexts('likely_fake', 0.99, { basis: 'provenance' }).mini, '', 'a thumbnail badge is the icon alone');
  assert.equal(badgeTexts('uncertain', 0.5).compact, 'Uncertain');
  assert.equal(badgeTexts('likely_real', 0.1).icon, '\u2713');
  assert.equal(badgeTexts('likely_fake', 0.99, { basis: 'provenance' }).figure, 'AI tag');
  assert.equal(badgeTexts('uncertain', null, { basis: 'advisory' }).figure, '');
  const icons = ['likely_fake', 'uncertain', 'likely_real', 'not_applicable'].map((v) => badgeTexts(v, 0.5).icon);
  assert.equal(new Set(icons).size, 4, 'four different shapes, not only four colours');
});

test('unknown verdicts fall back to uncertain, never to a confident label', () => {
  assert.equal(verdictHeadline('banana'), 'Uncertain');
  assert.equal(verdictTone('banana'), 'uncertain');
  assert.equal(verdictTone('likely_fake'), 'fake');
  assert.equal(verdictTone('not_applicable'), 'na');
});

test('the score sentence says estimate for models and "what the file says" for provenance', () => {
  assert.match(scoreSentence(0.734), /^73 % likely manipulated/);
  assert.match(scoreSentence(0.734), /not proof/);
  assert.match(scoreSentence(null), /No check could judge/);
  assert.doesNotMatch(scoreSentence(0.99, 'provenance'), /%|probability|calibrated/);
  assert.doesNotMatch(scoreSentence(null, 'advisory'), /%/);
  assert.equal(bandSentence(0.5, null), null);
});

test('progress shows stage and percent', () => {
  assert.equal(progressLine('downloading', 0.4), 'Checking: downloading 40 %');
  assert.equal(progressLine(null, undefined), 'Checking: queued');
});

test('errors say what to do, and every action they name exists', () => {
  assert.equal(errorMessage('server_unreachable'), 'FakeScope server not running — start it with: fakescope serve');
  assert.equal(errorMessage('download_failed', { upstream_status: 404 }), 'The file was not found (HTTP 404). Reload the page: the link may have changed.');
  assert.doesNotMatch(errorMessage('download_failed', { upstream_status: 404 }), /send bytes|grant/);
  assert.match(errorMessage('download_failed', { upstream_status: 403 }), /HTTP 403.*Log in/);
  assert.match(errorMessage('download_failed', { upstream_status: 503 }), /HTTP 503.*later/);
  assert.match(errorMessage('permission_needed', { origin: 'intra.example' }), /intra\.example.*toolbar, press "Allow"/);
  assert.match(errorMessage('forbidden_address'), /--allow-private-addresses/);
  assert.match(errorMessage('blob_unreadable'), /fakescope check FILE/);
  assert.match(errorMessage('busy'), /try again/);
  assert.match(errorMessage('weird_code', { message: 'boom' }), /boom/);
  assert.deepEqual(errorAction('forbidden_host'), { label: 'Open options', message: 'fakescope:open-options' });
  assert.equal(errorAction('download_failed'), null);
  assert.match(errorMessage('server_gone'), /went away during this check.*fakescope serve.*Retry/);
  assert.deepEqual(errorAction('server_gone'), { label: 'Retry', message: 'fakescope:retry' });
  assert.ok(isPageWideError('server_unreachable') && !isPageWideError('server_gone') && !isPageWideError('download_failed'));
});
