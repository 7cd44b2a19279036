"""Command line of the pipeline: `train NAME [--config PATH] [--out DIR] [--smoke]` and
`evaluate NAME [--config PATH] [--smoke]`. `fakescope train|evaluate` calls `main` with the same argv.

The config's "recipe" names a model package, training/<recipe>/ (audio, face, aigen), whose recipe module has
train(cfg, out_dir, smoke) and evaluate(cfg, smoke).

train    fits the model named by training/configs/NAME.json into --out (default: runs/NAME/; BLAS on one
         thread, so a rerun rebuilds the shipped file bit for bit), and with
         --publish (default for non-smoke runs) copies it to models/ under the config's "model_file".
evaluate measures the published model on the config's splits, writes plots, models/cards/NAME.md and
         the manifest entry (nothing typed by hand)."""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from fakescope.training.config import load_config, repo_root


def load_recipe(name: str):
    """training/<name>/recipe.py, checked for its two entry points."""
    mod = importlib.import_module(f"fakescope.training.{name}.recipe")
    for fn in ("train", "evaluate"):
        if not callable(getattr(mod, fn, None)):
            raise AttributeError(f"recipe {name!r} has no {fn}()")
    return mod


def one_blas_thread():
    """Single-threaded BLAS while a head is fitted: a multi-threaded BLAS sums in an order that depends on the
    thread count, so the same data gave other weights (audio_speech differed by up to 1e-3) and the shipped
    file could not be rebuilt bit for bit. The heads are small; one thread costs seconds."""
    import scipy.linalg  # noqa: F401  (load every BLAS the fits use before limiting them)
    import sklearn.linear_model  # noqa: F401
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fakescope", description="FakeScope training and evaluation")
    sub = p.add_subparsers(dest="command", required=True)
    for cmd in ("train", "evaluate"):
        s = sub.add_parser(cmd, help=f"{cmd} a detector's model")
        s.add_argument("name", help="config name, e.g. audio (training/configs/<name>.json)")
        s.add_argument("--config", default=None, help="another config file instead of the named one")
        s.add_argument("--smoke", action="store_true", help="tiny subset, one epoch (tests, CI)")
        if cmd == "train":
            s.add_argument("--out", default=None, help="output folder (default runs/<name>)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        cfg = load_config(args.name, args.config)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    recipe = load_recipe(cfg["recipe"])
    t0 = time.time()
    if args.command == "train":
        out = Path(args.out) if args.out else repo_root() / "runs" / args.name
        out.mkdir(parents=True, exist_ok=True)
        with one_blas_thread():
            result = recipe.train(cfg, out, smoke=args.smoke)
    else:
        result = recipe.evaluate(cfg, smoke=args.smoke)
    print(f"{args.command} {args.name}: done in {time.time() - t0:.0f} s")
    if isinstance(result, dict):
        for k, v in result.items():
            print(f"  {k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
