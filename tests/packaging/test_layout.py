"""The shape of the installed code: no import circle between modules of fakescope.server and
fakescope.training (every import counts, also one inside a function), no probe or one-off study inside the
installed training package, and every model package of training/ holding the same modules and nothing else
(data, features, heads, recipe, studies; one that outgrew a file is a folder of the same name), each declaring
itself to the shared evaluation framework (recipe.MODEL, training/evaluation/model.py)."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGES = {"fakescope.server": "server", "fakescope.training": "training"}
MODEL_PACKAGES = ("audio", "face", "aigen")
MODEL_MODULES = {"__init__", "data", "features", "heads", "recipe", "studies"}


def _modules(repo: Path) -> dict[str, Path]:
    out = {}
    for pkg, folder in PACKAGES.items():
        for f in (repo / folder).rglob("*.py"):
            rel = f.relative_to(repo / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([pkg, *parts])] = f
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of `known` that module `name` imports (relative imports resolved; `from pkg import mod`
    counts as importing pkg.mod when that is a module)."""
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if is_pkg else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                mod = ".".join(base[: len(base) - node.level + 1] + ([mod] if mod else []))
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def import_cycles(repo: Path) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    mods = _modules(repo)
    graph = {m: _imports(m, p, set(mods)) for m, p in mods.items()}
    # a package's __init__ does not import its submodules here, so package -> submodule edges are real imports
    index, low, stack, on, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def test_no_import_circle(repo_root):
    assert import_cycles(Path(repo_root)) == []


def _top_level(package: Path) -> set[str]:
    """Module names of a package: its .py files and its sub-packages (folders with an __init__.py)."""
    return ({f.stem for f in package.glob("*.py")}
            | {d.name for d in package.iterdir() if d.is_dir() and (d / "__init__.py").exists()})


def test_model_packages_share_one_shape(repo_root):
    training = Path(repo_root) / "training"
    for model in MODEL_PACKAGES:
        assert _top_level(training / model) == MODEL_MODULES, (model, sorted(_top_level(training / model) ^ MODEL_MODULES))


def test_every_model_declares_itself_to_the_framework():
    import importlib

    from fakescope.training.evaluation.model import Model

    for model in MODEL_PACKAGES:
        recipe = importlib.import_module(f"fakescope.training.{model}.recipe")
        assert isinstance(recipe.MODEL, Model) and recipe.MODEL.name == model, model
        assert callable(recipe.train) and callable(recipe.evaluate), model


def test_one_card_writer(repo_root):
    """No model package writes a card itself: write_card is called by the framework's card writer only."""
    training = Path(repo_root) / "training"
    writers = [f for m in MODEL_PACKAGES for f in (training / m).rglob("*.py") if "write_card(" in f.read_text()]
    assert writers == [], writers


def test_no_probe_in_the_installed_package(repo_root):
    training = Path(repo_root) / "training"
    probes = [f for f in training.rglob("*.py") if "probe" in f.stem or "finetune" in f.stem]
    assert probes == [], probes
