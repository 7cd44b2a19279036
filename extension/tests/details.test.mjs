import test from 'node:test';
import assert from 'node:assert/strict';
import { detailsModel, detectorLine, errorView, pendingView, timingLines, viewForCheck } from '../lib/details.js';

// Shaped like the server's check object (server brief: check object + result).
const imageCheck = {
  id: 'c1', status: 'done', progress: 1, stage: 'done', kind: 'image', cached: false,
  result: {
    verdict: 'likely_fake', score: 0.91, reason: null, basis: 'models', deciding_detector: 'image_faces',
    detectors: [
      { detector: 'image_faces', model_version: '1.2', applicable: true, reason: null, score: 0.91, verdict: 'likely_fake',
        evidence: [], regions: { faces: [{ box: [10, 20, 30, 40], score: 0.91 }] }, timings: {} },
      { detector: 'c2pa', model_version: null, applicable: false, reason: 'no manifest', score: null, verdict: 'not_applicable', evidence: [], regions: {}, timings: {} },
    ],
    media: { kind: 'image', width: 200, height: 100, sha256: 'ab' },
    timings: { total: 1.234, download: 0.05, image_faces: 0.8 },
    model_versions: { image_faces: '1.2', c2pa: null },
  },
};

test('done check -> badge view with the server verdict and hedged headline', () => {
  const v = viewForCheck(imageCheck);
  assert.equal(v.state, 'done');
  assert.equal(v.verdict, 'likely_fake');
  assert.equal(v.tone, 'fake');
  assert.equal(v.headline, 'Likely manipulated');
  assert.doesNotMatch(v.headline, /%/);
  assert.equal(v.checkId, 'c1');
});

test('details model: score sentence, each detector, faces, versions, timings', () => {
  const d = viewForCheck(imageCheck).details;
  assert.match(d.scoreText, /91%/);
  assert.deepEqual(d.detectors.map((x) => x.text), ['image_faces: likely manipulated, score 91%', 'c2pa: not applicable (no manifest)']);
  assert.deepEqual(d.faces, [{ box: [10, 20, 30, 40], score: 0.91, detector: 'image_faces' }]);
  assert.deepEqual(d.media, { kind: 'image', width: 200, height: 100, duration: null, sha256: 'ab' });
  assert.deepEqual(d.modelVersions, ['image_faces 1.2', 'c2pa rule-based']);
  assert.equal(d.timings.at(-1), 'total 1.2 s');
  assert.equal(d.timings[0], 'download 50 ms');
  assert.equal(d.deciding, 'image_faces');
});

test('video timeline and audio segments are sorted and kept per detector', () => {
  const d = detailsModel({
    verdict: 'uncertain', score: 0.5,
    detectors: [
      { detector: 'video_faces', verdict: 'uncertain', score: 0.5, regions: { timeline: [{ t: 2, score: 0.6 }, { t: 0, score: 0.4 }, { t: 1, score: null }] } },
      { detector: 'audio_speech', verdict: 'likely_real', score: 0.1, regions: { segments: [{ start: 2, end: 4, score: 0.2 }, { start: 0, end: 2, score: 0.1 }] } },
    ],
    media: { kind: 'video', duration: 4.0 },
  });
  assert.deepEqual(d.timeline.map((t) => t.t), [0, 1, 2]);
  assert.equal(d.timeline[1].score, null);
  assert.deepEqual(d.segments.map((s) => [s.start, s.end]), [[0, 2], [2, 4]]);
  assert.equal(d.media.duration, 4);
});

test('not applicable shows the reason; failed and cancelled become error views', () => {
  const na = viewForCheck({ id: 'n', status: 'done', result: { verdict: 'not_applicable', score: null, reason: 'no face found', detectors: [] } });
  assert.equal(na.headline, 'Not applicable: no face found');
  assert.equal(na.details.headline, 'Not applicable');
  assert.equal(na.details.reason, 'no face found'); // the panel shows the full reason, unshortened
  assert.equal(na.tone, 'na');
  const failed = viewForCheck({ id: 'f', status: 'failed', error: { code: 'download_failed', message: 'x', upstream_status: 403 } });
  assert.equal(failed.state, 'error');
  assert.equal(failed.errorCode, 'download_failed');
  assert.match(failed.headline, /403/);
  assert.equal(viewForCheck({ id: 'c', status: 'cancelled' }).errorCode, 'cancelled');
});

test('running check -> pending view with stage and progress', () => {
  const v = viewForCheck({ id: 'r', status: 'running', stage: 'faces', progress: 0.25 });
  assert.deepEqual(v, pendingView({ id: 'r', stage: 'faces', progress: 0.25 }));
  assert.equal(v.headline, 'Checking: faces 25%');
  assert.equal(errorView({ code: 'server_unreachable' }).headline, 'FakeScope server not running — start it with: fakescope serve');
});

test('timings ignore non-numbers and put total last', () => {
  assert.deepEqual(timingLines({ total: 2, x: 'n/a', decode: 0.0004 }), ['decode 0 ms', 'total 2.0 s']);
});

test('an advisory detector is marked as not deciding the verdict', () => {
  const line = detectorLine({ detector: 'ai_image', verdict: 'likely_fake', score: 0.93, advisory: true });
  assert.equal(line, 'ai_image: likely manipulated, score 93% (advisory: shown, not used for the verdict)');
});
