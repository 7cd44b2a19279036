"""Rows of the human-face check, from ../shared/datasets/images, cropped exactly as the server crops faces:

- every YuNet detection (server threshold) on the general sources (scenes, paintings, renders, camera
  photos): a human face unless listed in NON_HUMAN, which was labelled by eye from contact sheets of all
  285 such detections (animals, toys, statues, objects);
- the best face of up to PER_FACE_SOURCE images of each face source (all human, real or manipulated);
- one random square crop per general image away from every detection (easy negatives).
Features: server.features.face.crop_features (the face model's features), cached under .cache/human_face/."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from fakescope.server.features.face import FaceFinder, crop_features, encoder_crop, face_encoder
from fakescope.server.media.decode import load_image
from fakescope.training.cache import cached_arrays, key_of
from fakescope.training.face.data import FACE_SOURCES_V2, GENERAL_SOURCES
from fakescope.training.face.features import feature_spec

PER_FACE_SOURCE = 30
RANDOM_CROPS = 250
SEED = 7
# (image path under datasets/images, YuNet box x, y, w, h): detections that are not human faces
NON_HUMAN = (
    ("real/kurlyto_aiornot/realistic__real-002.jpg", (247, 7, 125, 181)),
    ("real/kurlyto_aiornot/realistic__real-009.jpg", (165, 46, 207, 200)),
    ("real/metadata_extractor/jpg__FujiFilm FinePix1400Zoom (3).jpg", (111, 111, 68, 71)),
    ("real/exif_samples/jpg__exif-org__fujifilm-finepix40i.jpg", (109, 0, 224, 199)),
    ("fake/kurlyto_aiornot/architecture__arch-ai-022.jpg", (148, 57, 38, 44)),
    ("fake/kurlyto_aiornot/architecture__arch-ai-064.jpg", (152, 86, 20, 27)),
    ("fake/kurlyto_aiornot/painting__ai-004.jpg", (228, 289, 43, 57)),
    ("fake/kurlyto_aiornot/painting__ai-010.jpg", (147, 76, 87, 97)),
    ("fake/kurlyto_aiornot/painting__ai-050.jpg", (93, 127, 18, 25)),
    ("fake/kurlyto_aiornot/painting__ai-081.jpg", (105, 128, 49, 58)),
    ("fake/kurlyto_aiornot/painting__ai-086.jpg", (119, 11, 145, 141)),
    ("fake/flux/assets__schnell_grid__c2486_0.jpg", (87, 0, 72, 62)),
    ("fake/kolors/dreambooth__ktxl_test_image.jpg", (161, 56, 108, 142)),
    ("fake/kolors/ipadapter__asset__5_sdxl_ip_result.jpg", (116, 28, 46, 74)),
    ("fake/deepfloyd_if/pics__nabla__c1024_0.jpg", (166, 57, 51, 58)),
    ("fake/deepfloyd_if/pics__nabla__c1024_0.jpg", (242, 63, 47, 59)),
    ("fake/deepfloyd_if/pics__nabla__c1024_0.jpg", (88, 57, 50, 56)),
    ("fake/deepfloyd_if/pics__nabla__c1024_0.jpg", (11, 47, 49, 60)),
    ("fake/kandinsky3/assets__title.jpg", (135, 80, 113, 99)),
    ("fake/sgm_sdxl/assets__000__c1024_0.jpg", (13, 119, 28, 35)),
    ("fake/sgm_sdxl/assets__000__c1024_0.jpg", (361, 112, 24, 36)),
    ("fake/sgm_sdxl/assets__000__c1024_1021.jpg", (292, -4, 93, 98)),
    ("fake/sgm_sdxl/assets__turbo_tile__c0_0.jpg", (162, 69, 119, 125)),
    ("fake/sgm_sdxl/assets__turbo_tile__c512_512.jpg", (145, 47, 64, 78)),
    ("fake/stable_cascade/figures__collage_1__c1120_0.jpg", (44, 78, 20, 26)),
    ("fake/stable_cascade/figures__collage_1__c3040_768.jpg", (177, 37, 41, 49)),
    ("fake/stable_cascade/figures__collage_1__c3587_1728.jpg", (186, 57, 105, 125)),
    ("fake/stable_cascade/figures__collage_1__c4000_768.jpg", (66, -3, 65, 110)),
    ("fake/stable_cascade/figures__collage_2__c0_0.jpg", (162, 26, 62, 70)),
    ("fake/stable_cascade/figures__collage_3__c0_896.jpg", (205, 59, 63, 79)),
    ("fake/gpt4o_cases/cases__41__example_miniature_journey_west.jpg", (299, 75, 46, 48)),
    ("fake/gpt4o_cases/cases__50__example_lara_croft_card_break.jpg", (56, 126, 23, 29)),
    ("fake/gpt4o_cases/gpt-image-1__examples__game-design.jpg", (113, 46, 130, 123)),
)
KINDS = ("general_detection", "face_pool", "random_crop")


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return ix * iy / (aw * ah + bw * bh - ix * iy + 1e-9)


def is_non_human(rel: str, box) -> bool:
    return any(rel == p and iou(box, b) > 0.5 for p, b in NON_HUMAN)


def _images(images_dir: Path, sources, labels=("real", "fake")) -> list[Path]:
    return [p for s in sources for lab in labels for p in sorted((images_dir / lab / s).glob("*.jpg"))]


def rows(images_dir: Path, yunet: Path) -> list[dict]:
    """Every row: rel path, source, box, kind, human (1/0). Deterministic (sorted files, seeded crops)."""
    finder, out, rng = FaceFinder(yunet), [], random.Random(SEED)
    general = _images(images_dir, GENERAL_SOURCES)
    found = {}
    for p in general:
        rel = p.relative_to(images_dir).as_posix()
        found[rel] = [f.box for f in finder.find(load_image(p), max_faces=4)]
        out += [{"rel": rel, "source": p.parent.name, "box": list(b), "kind": "general_detection",
                 "human": 0 if is_non_human(rel, b) else 1} for b in found[rel]]
    for src in FACE_SOURCES_V2:
        files = _images(images_dir, (src,))
        random.Random(f"{SEED}:{src}").shuffle(files)
        kept = 0
        for p in files:
            faces = finder.find(load_image(p), max_faces=1)
            if faces and kept < PER_FACE_SOURCE:
                out.append({"rel": p.relative_to(images_dir).as_posix(), "source": src, "box": list(faces[0].box),
                            "kind": "face_pool", "human": 1})
                kept += 1
    shuffled = list(general)
    rng.shuffle(shuffled)
    for p in shuffled[:RANDOM_CROPS]:
        rel = p.relative_to(images_dir).as_posix()
        h, w = load_image(p).shape[:2]
        side = int(rng.uniform(0.15, 0.5) * min(h, w))
        box = [rng.randint(0, w - side), rng.randint(0, h - side), side, side]
        if not any(iou(box, b) > 0.05 for b in found[rel]):
            out.append({"rel": rel, "source": p.parent.name, "box": box, "kind": "random_crop", "human": 0})
    return out


def load(images_dir: Path, yunet: Path, cache_root: Path, log=print) -> dict:
    """Rows and their features (N, FEATURE_DIM), cached by the row list and the feature spec."""
    table = rows(images_dir, yunet)
    spec = key_of("human_face", "v1", [(r["rel"], [round(v, 2) for v in r["box"]]) for r in table], feature_spec())

    def compute() -> dict:
        enc = face_encoder()
        log(f"human_face: encoding {len(table)} crops")
        return {"X": np.stack([crop_features(encoder_crop(load_image(images_dir / r["rel"]), r["box"]), enc)
                               for r in table])}

    feats = cached_arrays(cache_root / "human_face" / f"{spec}.npz", compute)
    return {"rows": table, "X": feats["X"], "y": np.array([r["human"] for r in table]),
            "source": np.array([r["source"] for r in table]), "kind": np.array([r["kind"] for r in table])}
