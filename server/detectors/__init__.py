"""Detector registry. Every module in this package (except base) defines and registers one detector;
importing the package imports them all, so adding a detector is adding one module."""
from __future__ import annotations

import importlib
import pkgutil

from .base import Cancelled, Context, Detector, VERDICTS, register, registered, unregister

_SKIP = {"base"}


def discover() -> dict[str, type[Detector]]:
    """Import every detector module of this package and return the registry."""
    for info in pkgutil.iter_modules(__path__):
        if info.name not in _SKIP and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return registered()


__all__ = ["Cancelled", "Context", "Detector", "VERDICTS", "discover", "register", "registered", "unregister"]
