"""Architecture registry: `@register_architecture("name")` on a builder function (or class with
__call__) returning an uncompiled keras.Model built from built-in layers only; `build(name, **kw)`
makes one. Every module in this package is imported on first use, so a new architecture = one module."""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

_REGISTRY: dict[str, Callable] = {}
_DISCOVERED = False


def register_architecture(name: str):
    """Decorator: make a model builder available as `name`."""
    def deco(fn):
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"architecture {name!r} registered twice")
        _REGISTRY[name] = fn
        return fn
    return deco


def discover() -> dict[str, Callable]:
    """Import every module of this package once; return the registry."""
    global _DISCOVERED
    if not _DISCOVERED:
        for info in pkgutil.iter_modules(__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{__name__}.{info.name}")
        _DISCOVERED = True
    return dict(_REGISTRY)


def available() -> list[str]:
    return sorted(discover())


def build(name: str, **kwargs):
    """Build the registered architecture `name` with keyword arguments from the config."""
    reg = discover()
    if name not in reg:
        raise KeyError(f"unknown architecture {name!r}; known: {sorted(reg)}")
    return reg[name](**kwargs)


__all__ = ["available", "build", "discover", "register_architecture"]
