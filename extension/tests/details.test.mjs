import test from 'node:test';
import assert from 'node:assert/strict';
import {
  detailsModel, detectorLine, detectorModel, errorView, pendingView, timingLines, viewForCheck,
} from '../lib/details.js';

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
  assert.equal(d.scoreText, '91 % likely manipulated: an estimate from models that make mistakes, not proof.');
  assert.deepEqual(d.detectors.map((x) => x.text), ['image faces: likely manipulated · 91 % likely manipulated', 'c2pa: no manifest']);
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

test('not applicable shows the plain reason; failed and cancelled become error views', () => {
  const na = viewForCheck({ id: 'n', status: 'done', result: { verdict: 'not_applicable', score: null, reason: 'face_manipulation: no face found', plain_reason: 'No face found', detectors: [] } });
  assert.equal(na.headline, 'Not applicable: no face found');
  assert.equal(na.badge.full, 'Not applicable: no face found');
  assert.equal(na.badge.compact, 'Not applicable');
  assert.equal(na.details.reason, 'face_manipulation: no face found'); // the panel keeps the full reason
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
  assert.equal(v.headline, 'Checking: faces 25 %');
  const down = errorView({ code: 'server_unreachable' });
  assert.equal(down.headline, 'FakeScope server not running — start it with: fakescope serve');
  assert.equal(down.pageWide, true, 'no server: one notice for the page, not an error per badge');
  const gone = errorView({ code: 'server_gone' }, 'c9');
  assert.equal(gone.pageWide, false);
  assert.deepEqual(gone.action, { label: 'Retry', message: 'fakescope:retry' }, 'a check lost with its server offers Retry');
});

test('timings ignore non-numbers and put total last', () => {
  assert.deepEqual(timingLines({ total: 2, x: 'n/a', decode: 0.0004 }), ['decode 0 ms', 'total 2.0 s']);
});

test('an advisory detector is marked as not deciding the verdict', () => {
  const line = detectorLine({ detector: 'ai_image', verdict: 'likely_fake', score: 0.93, advisory: true });
  assert.equal(line, 'ai_image: likely manipulated · 93 % likely manipulated (advisory: shown, not used for the verdict)');
});

// Shaped like the real server's answer for a PNG with a Stable Diffusion `parameters` chunk (server/explain.py).
const provenanceCheck = {
  id: 'p1', status: 'done', kind: 'image',
  result: {
    verdict: 'likely_fake', score: 0.99, basis: 'provenance', deciding_detector: 'provenance', plain_reason: null,
    detectors: [
      { detector: 'provenance', model_version: null, verdict: 'likely_fake', score: 1.0, advisory: false,
        about: { title: 'File metadata (provenance)', looks_for: 'Reads what the file says about itself.', card: null, role: 'rule', heldout_auc: null, experimental: false, thresholds: null },
        evidence: [{ kind: 'png_text', indicates: 'ai_generated', detail: "PNG text chunk 'parameters' (Stable Diffusion (AUTOMATIC1111) generation parameters): a cat",
          sentence: 'This file says it was made with Stable Diffusion (AUTOMATIC1111): PNG text chunk `parameters`' }] },
      { detector: 'ai_image', model_version: 'aigen-1.0', verdict: 'likely_fake', score: 0.99, advisory: true,
        about: { title: 'Whole-image AI generation', looks_for: 'Looks at the whole picture.', card: '/api/v1/models/ai_image/card', role: 'advisory', heldout_auc: 0.4007, experimental: true, thresholds: { lower: 0.2182, upper: 0.6719 } } },
      { detector: 'face_manipulation', model_version: 'face-1.0', verdict: 'uncertain', score: 0.6, advisory: true,
        about: { title: 'Face manipulation', looks_for: 'Looks at each face.', card: '/api/v1/models/face_manipulation/card', role: 'advisory', heldout_auc: 0.6732, experimental: false, thresholds: { lower: 0.2151, upper: 0.6824 } } },
    ],
    media: { kind: 'image', width: 512, height: 512 },
  },
};

test('provenance: evidence comes first, as a fact about the file, never as a model probability', () => {
  const v = viewForCheck(provenanceCheck, 'http://127.0.0.1:8765');
  assert.deepEqual(v.details.evidence.map((e) => e.sentence), ['This file says it was made with Stable Diffusion (AUTOMATIC1111): PNG text chunk `parameters`']);
  assert.doesNotMatch(v.details.scoreText, /probability|calibrated|%/);
  assert.match(v.details.scoreText, /what the file says about itself/);
  assert.equal(v.badge.figure, 'AI tag', 'the badge says where the verdict came from, not "99%"');
});

test('each detector: plain name, sentence, card link; an advisory model below chance is "experimental, not used"', () => {
  const d = viewForCheck(provenanceCheck, 'http://127.0.0.1:8765').details;
  const ai = d.detectors.find((x) => x.name === 'ai_image');
  assert.equal(ai.title, 'Whole-image AI generation');
  assert.equal(ai.cardUrl, 'http://127.0.0.1:8765/api/v1/models/ai_image/card');
  assert.equal(ai.status, 'experimental');
  assert.equal(ai.band, null, 'no band claim for a model worse than chance');
  assert.equal(ai.text, 'Whole-image AI generation: experimental, not used (99 % likely manipulated)');
  assert.match(ai.text, /experimental, not used/);
  const face = d.detectors.find((x) => x.name === 'face_manipulation');
  assert.equal(face.status, 'advisory');
  assert.equal(face.band, "60 % likely manipulated: between this model's 22 % and 68 % lines, so uncertain");
});

test('the band a score fell in uses that model\'s thresholds (78% audio uncertain, 69% face fake)', () => {
  const audio = detectorModel({ detector: 'audio_speech', verdict: 'uncertain', score: 0.775, about: { title: 'Synthetic speech', thresholds: { lower: 0.3151, upper: 0.7788 }, role: 'decides' } });
  const face = detectorModel({ detector: 'face_manipulation', verdict: 'likely_fake', score: 0.69, about: { title: 'Face manipulation', thresholds: { lower: 0.2151, upper: 0.6824 }, role: 'decides' } });
  assert.equal(audio.band, "78 % likely manipulated: between this model's 32 % and 78 % lines, so uncertain");
  assert.equal(face.band, "69 % likely manipulated: at or above this model's 68 % line, so likely manipulated");
});

test('charts: per-frame and per-window series with duration, thresholds and which track they belong to', () => {
  const d = detailsModel({
    verdict: 'uncertain', score: 0.5,
    detectors: [
      { detector: 'face_manipulation', verdict: 'uncertain', score: 0.5, about: { thresholds: { lower: 0.2, upper: 0.7 } },
        regions: { timeline: [{ t: 0, score: 0.4, faces: [{ box: [1, 2, 3, 4], score: 0.4 }] }, { t: 1, score: null, faces: [] }] } },
      { detector: 'audio_speech', verdict: 'likely_real', score: 0.1, about: { thresholds: { lower: 0.3, upper: 0.8 } },
        regions: { segments: [{ start: 0, end: 2, score: 0.1 }] } },
    ],
    media: { kind: 'video', duration: 3.0, width: 640, height: 360 },
  });
  assert.deepEqual(d.charts.map((c) => c.id), ['frames', 'segments']);
  assert.match(d.charts[1].title, /soundtrack/);
  assert.deepEqual(d.charts[0].band, { lower: 0.2, upper: 0.7 });
  assert.equal(d.charts[0].duration, 3);
  assert.deepEqual(d.timeline[0].faces, [{ box: [1, 2, 3, 4], score: 0.4 }], 'per-frame face boxes kept for the video overlay');
});

test('provenance (a rule) states what the file says, never a percentage', () => {
  const d = viewForCheck(provenanceCheck).details.detectors.find((x) => x.name === 'provenance');
  assert.equal(d.status, 'rule');
  assert.equal(d.score, null);
  assert.equal(d.text, 'File metadata (provenance): AI-generation label found in the file');
});

test('in a video the speech detector is labelled as the soundtrack', () => {
  const d = detailsModel({ verdict: 'uncertain', score: null, media: { kind: 'video' },
    detectors: [{ detector: 'audio_speech', verdict: 'uncertain', score: 0.5, about: { title: 'Synthetic speech' }, regions: { segments: [] } }] });
  assert.equal(d.detectors[0].title, 'Synthetic speech (soundtrack)');
});

test('one plain line per applied detector, by track name; internal names only in the technical details', () => {
  const r = {
    verdict: 'likely_fake', score: 0.75, basis: 'models', deciding_detector: 'face_manipulation',
    applied: [
      { detector: 'face_manipulation', score: 0.75, verdict: 'likely_fake', advisory: false },
      { detector: 'audio_speech', score: 0.12, verdict: 'likely_real', advisory: false },
      { detector: 'ai_image', score: 0.5, verdict: 'uncertain', advisory: true },
    ],
    not_applied: [{ detector: 'provenance', reason: 'no generator metadata' }],
    detectors: [{ detector: 'face_manipulation', model_version: 'face-2.2', verdict: 'likely_fake', score: 0.75 }],
    media: { kind: 'video' },
  };
  const d = detailsModel(r);
  assert.deepEqual(d.tracks.map((t) => t.text), [
    'Faces: likely manipulated · 75 % likely manipulated',
    'Voice: likely authentic · 12 % likely manipulated',
    'Picture: uncertain · 50 % likely manipulated · advisory (shown, not used for the verdict)',
    'Provenance: not applicable (no generator metadata)',
  ]);
  for (const t of d.tracks) assert.doesNotMatch(t.text, /face_manipulation|audio_speech|ai_image|likely_fake|\d+ %(?! likely manipulated)/);
  assert.equal(d.decidingTech, 'Deciding model: face_manipulation face-2.2 (highest deciding score: 75 % likely manipulated)');
});

test('a result with a `tracks` list is preferred over `applied`; odd entries are tolerated', () => {
  const d = detailsModel({
    verdict: 'uncertain', score: 0.4, applied: [{ detector: 'x', score: 0.9, verdict: 'likely_fake' }],
    tracks: [{ track: 'voice', label: 'Voice', verdict: 'uncertain', score: 0.4, detector: 'audio_speech' }, null, { track: 'faces', verdict: 'not_applicable' }],
  });
  assert.deepEqual(d.tracks.map((t) => t.text), ['Voice: uncertain · 40 % likely manipulated', 'Faces: not applicable']);
});

test('without applied / not_applied lists the track lines come from the detectors', () => {
  const d = detailsModel({ verdict: 'likely_real', score: 0.1, detectors: [
    { detector: 'audio_speech', verdict: 'likely_real', score: 0.1 },
    { detector: 'face_manipulation', verdict: 'not_applicable', score: null, plain_reason: 'No face found' }] });
  assert.deepEqual(d.tracks.map((t) => t.text), ['Voice: likely authentic · 10 % likely manipulated', 'Faces: not applicable (no face found)']);
});

test('a track that did not apply gives the plain reason of its detector, not the internal one', () => {
  const d = detailsModel({
    verdict: 'uncertain', score: null,
    tracks: [{ track: 'voice', label: 'Voice', detector: 'audio_speech', verdict: 'not_applicable', score: null, reason: 'silence found: 0.2 s of speech' }],
    detectors: [{ detector: 'audio_speech', verdict: 'not_applicable', score: null, plain_reason: 'No speech found' }],
  });
  assert.deepEqual(d.tracks.map((t) => t.text), ['Voice: not applicable (no speech found)']);
});
