"""The extra-reals loader (training/aigen/data/offline_reals.py), its pure parts: pins and collections are well
formed, a download that is not the pinned file is refused and skipped, and the file selection keeps the
right pictures. No network, no ../shared: every package here is a small tree or archive made by the test."""
from __future__ import annotations

import dataclasses
import re
import subprocess
import zipfile

import pytest
from fakescope.training.aigen.data import offline_reals as er
from PIL import Image

KINDS = {"photo", "digital_art", "render", "vector_art", "screenshot", "edited_photo", "science_image"}


def test_packages_are_pinned():
    names = [p.name for p in er.PACKAGES]
    assert len(names) == len(set(names))
    for p in er.PACKAGES:
        assert re.fullmatch(r"[0-9a-f]{64}", p.sha256), p.name
        assert p.source in ("deb", "wheel") and p.licence and p.what, p.name
        assert re.fullmatch(r"[0-9][0-9A-Za-z.+:~-]*", p.version), p.version  # one exact version, no range
        if p.source == "deb":
            assert p.filename == f"{p.name}_{p.version.replace(':', '%3a')}_all.deb"
        else:
            assert p.filename.startswith(f"{p.name.replace('-', '_')}-{p.version}-") and p.filename.endswith(".whl")
    assert len({p.sha256 for p in er.PACKAGES}) == len(er.PACKAGES)


def test_collections_are_well_formed():
    names = [c.name for c in er.COLLECTIONS]
    assert len(names) == len(set(names))
    used = {c.package for c in er.COLLECTIONS}
    assert used == {p.name for p in er.PACKAGES}  # no package fetched for nothing, none missing
    for c in er.COLLECTIONS:
        assert re.fullmatch(r"[a-z0-9_]+", c.name) and c.include and c.root and not c.root.startswith("/")
        assert c.kind in KINDS and c.role in ("train", "heldout"), c.name
        assert c.limit is None or c.limit > 0
    roles = {c.role for c in er.COLLECTIONS}
    assert roles == {"train", "heldout"}
    # photos are in both roles, so v3 keeps an unseen photo collection to check its false positives on
    assert {c.role for c in er.COLLECTIONS if c.kind == "photo"} == {"train", "heldout"}


def test_cache_is_outside_the_committed_tree(repo_root, monkeypatch):
    monkeypatch.delenv("FAKESCOPE_EXTRA_REALS_CACHE", raising=False)
    cache = er.default_cache()
    assert cache == repo_root / ".cache" / "extra_reals"
    ignored = subprocess.run(["git", "check-ignore", "-q", str(cache / "x.jpg")], cwd=repo_root)
    assert ignored.returncode == 0, ".cache/ must stay git-ignored"


def test_verify_accepts_the_pin_and_rejects_anything_else(tmp_path):
    f = tmp_path / "demo_1.0_all.deb"
    f.write_bytes(b"the real package bytes")
    pin = er.Package("demo", "1.0", "deb", f.name, er.sha256_of(f), "CC0-1.0", "test")
    er.verify(f, pin)
    f.write_bytes(b"something else")
    with pytest.raises(ValueError, match="differs from the pin"):
        er.verify(f, pin)
    other = tmp_path / "demo_1.1_all.deb"
    other.write_bytes(b"the real package bytes")
    with pytest.raises(ValueError, match="expected demo_1.0_all.deb"):
        er.verify(other, pin)


def test_a_wrong_download_is_skipped_with_a_message(tmp_path):
    pkg = er.package("mate-backgrounds")
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / pkg.filename).write_bytes(b"not the package")  # a corrupt earlier download
    said = []
    assert er.fetch(pkg, tmp_path, log=said.append) is None
    assert len(said) == 1 and "skipping mate-backgrounds" in said[0] and "differs from the pin" in said[0]
    assert not (tmp_path / "pkgs" / pkg.name).exists() and not (tmp_path / "pkgs" / f"{pkg.name}.ok").exists()


def test_an_unreachable_package_is_skipped_and_the_rest_still_listed(tmp_path, monkeypatch):
    def offline(pkg, dest):
        raise subprocess.CalledProcessError(100, ["apt-get"], stderr="E: Unable to locate package")

    monkeypatch.setattr(er, "_download", offline)
    _picture(tmp_path / "pkgs" / "xfdesktop4-data" / "usr/share/backgrounds/xfce/blue.jpg", (400, 300))
    (tmp_path / "pkgs" / "xfdesktop4-data.ok").write_text(er.package("xfdesktop4-data").sha256)
    said = []
    pics = er.pictures(tmp_path, collections=["ukui_art", "xfce_art"], log=said.append)
    assert [(p.collection, p.kind, p.path.name) for p in pics] == [("xfce_art", "vector_art", "blue.jpg")]
    assert len(said) == 1 and "skipping ukui-wallpapers" in said[0] and "Unable to locate" in said[0]


def _picture(path, size, color=(90, 140, 200)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def test_selection_keeps_pictures_only(tmp_path):
    root = tmp_path / "usr/share/wallpapers"
    big = _picture(root / "Kite/contents/images/2560x1600.jpg", (1280, 800), (10, 200, 30))
    _picture(root / "Kite/contents/images/640x480.jpg", (640, 400))
    _picture(root / "Kite/contents/screenshot.jpg", (400, 250))  # not under images/
    flow = _picture(root / "Flow/contents/images/1920x1080.jpg", (960, 540))
    _picture(root / "Tiny/contents/images/icon.png", (64, 64))  # under MIN_SIDE
    (root / "Tiny/contents/images/notes.txt").write_text("not a picture")
    coll = er.Collection("t", "plasma-workspace-wallpapers", "usr/share/wallpapers", ("*/contents/images/*",),
                         "digital_art", "heldout", one_per_dir=True)
    assert er.select(coll, tmp_path) == [flow, big]
    no_flow = dataclasses.replace(coll, exclude=("Flow/*",))
    assert er.select(no_flow, tmp_path) == [big]
    assert er.select(coll, tmp_path / "absent") == []


def test_limit_is_a_stable_spread(tmp_path):
    for i in range(12):
        _picture(tmp_path / "imgs" / f"d{i % 3}" / f"{i:02d}.png", (210, 210))
    coll = er.Collection("t", "gimp-help-en", "imgs", ("*",), "screenshot", "train", limit=5)
    first = er.select(coll, tmp_path)
    assert len(first) == 5 and first == sorted(first) and er.select(coll, tmp_path) == first
    assert len({p.parent.name for p in first}) > 1  # not just the first folder


def test_wheel_unpack_takes_only_the_picture_folders(tmp_path):
    whl = tmp_path / "w.whl"
    with zipfile.ZipFile(whl, "w") as z:
        z.writestr("skimage/data/coffee.png", b"png bytes")
        z.writestr("skimage/filters/edges.py", b"code")
        z.writestr("../evil.png", b"outside")
    out = tmp_path / "out"
    er._unpack(whl, er.package("scikit-image"), out)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == ["skimage/data/coffee.png"]
    assert not (tmp_path / "evil.png").exists()
