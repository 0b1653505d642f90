"""The folder shows the architecture, and the modules import each other without a cycle."""

import ast
import pathlib
import subprocess
import sys

import playground

LIBRARY = pathlib.Path(playground.__file__).parent


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(LIBRARY.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in LIBRARY.rglob("*.py")}


def module_imports(path: pathlib.Path) -> set[str]:
    """The library modules a module imports at its top level (``if TYPE_CHECKING`` blocks included: a cycle
    there is a cycle in the design)."""
    found = set()
    statements = list(ast.parse(path.read_text()).body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.If):
            statements += node.body + node.orelse
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from playground.training import engine` imports the module playground.training.engine.
            found.update(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES else node.module
                         for alias in node.names)
    return {name for name in found if name in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_no_import_cycle_anywhere():
    graph = {name: module_imports(path) for name, path in MODULES.items()}
    assert graph["playground.training.job"] and graph["playground.controller"]  # the graph is really read
    assert cycles(graph) == []


def test_the_cycle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_the_engine_does_not_know_the_job():
    assert "playground.training.job" not in module_imports(MODULES["playground.training.engine"])


def test_the_folders_group_the_library():
    flat = sorted(path.stem for path in LIBRARY.glob("*.py") if path.stem not in ("__init__", "__main__"))
    assert flat == ["choices", "cli", "controller", "export", "options", "rules", "spec"]
    for package in ("data", "training", "views", "teaching", "ui"):
        assert (LIBRARY / package / "__init__.py").exists()


def test_public_names_for_notebooks_without_tensorflow_until_used():
    code = ("import sys, playground; from playground import RunSpec, TrainingJob, load_data, keras_script; "
            "spec = RunSpec.from_query('dataset=xor&seed=3').spec; assert load_data(spec).dataset is not None; "
            "assert 'def build_model' in keras_script(spec); assert TrainingJob(spec).status == 'idle'; "
            "print('tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert set(playground.__all__) == set(playground.PUBLIC)


def test_the_servers_preload_imports_no_tensorflow():
    """serve.py warms the web process's imports before it listens; TensorFlow stays with the workers."""
    code = ("import sys; from playground.ui.preload import preload_page; preload_page(); "
            "print('sklearn' in sys.modules, 'tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True False"
