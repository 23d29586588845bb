"""The architecture the style guide asks for, checked."""

import ast
from pathlib import Path

from bot.config import Settings
from tests.conftest import ROOT


def imports(package: str) -> set[str]:
    names = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_index_never_imports_telegram_and_bot_never_imports_numerics():
    assert "telegram" not in imports("index")
    assert not {"faiss", "numpy", "sentence_transformers", "torch", "pymilvus"} & imports("bot")


def test_bot_uses_only_the_public_index_api():
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("index."):
                raise AssertionError(f"{path.name} imports {node.module}")


def test_settings_never_show_the_token():
    settings = Settings.from_mapping({"TELEGRAM_BOT_TOKEN": "123:SECRET", "VERBATIM_MILVUS_TOKEN": "root:MILVUS"})
    assert "SECRET" not in repr(settings) and "MILVUS" not in repr(settings)
    assert settings.api_base_url == "https://api.telegram.org/bot"


# ----- index/ by role (issue #21) ------------------------------------------------------------------

INDEX = ROOT / "index"
# Where each heavy library may be imported: the rest of index/ speaks to it through its room.
ROOMS = {"faiss": "storage/embedded", "bm25s": "storage/embedded", "pymilvus": "storage/milvus",
         "milvus_lite": "storage/milvus", "torch": "models", "onnxruntime": "models", "transformers": "models",
         "sentence_transformers": "models", "safetensors": "models"}
MAX_LINES = 300


def _module(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import in a file, at any depth, resolved; `if TYPE_CHECKING:`
    blocks are left out (they never run)."""
    tree = ast.parse(path.read_text())
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and getattr(node.test, "id", "") == "TYPE_CHECKING" for n in ast.walk(node)}
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.append((module, [alias.name for alias in node.names]))
    return found


def _index_graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in INDEX.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        edges = set()
        for module, names in _imports(path):
            if module in modules:
                edges |= {f"{module}.{n}" if f"{module}.{n}" in modules else module for n in names} or {module}
        graph[name] = edges - {name}
    return graph


def test_index_has_no_import_cycles():
    graph, state, cycles = _index_graph(), {}, []

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


def test_heavy_libraries_are_imported_only_in_their_room():
    misplaced = []
    for path in INDEX.rglob("*.py"):
        where = path.relative_to(INDEX).as_posix()
        for module, _ in _imports(path):
            room = ROOMS.get(module.split(".")[0])
            if room and not where.startswith(room + "/"):
                misplaced.append(f"{where} imports {module} (its room: index/{room}/)")
    assert not misplaced, misplaced


def test_the_backend_is_chosen_in_one_place():
    """Only index/storage/opening.py names a backend's class; bot/ never does, and never passes
    a backend's settings but through Settings.location."""
    for path in (ROOT / "index").rglob("*.py"):
        text = path.read_text()
        if path.name != "opening.py" and "storage" not in path.relative_to(INDEX).parts[:1]:
            assert "MilvusStorage" not in text and "EmbeddedStorage" not in text, path
    for path in (ROOT / "bot").rglob("*.py"):
        if path.name != "config.py":
            assert "milvus_uri" not in path.read_text(), path
        assert "Library(" not in path.read_text() or path.name == "cli_common.py", path


def test_no_module_in_index_is_over_300_lines():
    long = {p.relative_to(ROOT).as_posix(): n for p in INDEX.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_index_reads_no_environment_and_no_configuration_at_import():
    """Settings are read by bot/config.py alone and passed in (the cache folder included)."""
    for path in INDEX.rglob("*.py"):
        text = path.read_text()
        assert "os.getenv" not in text and "os.environ.get" not in text and "os.environ[" not in text, path
    assert Settings.from_mapping({"XDG_CACHE_HOME": "/tmp/xdg"}).cache_dir == Path("/tmp/xdg/verbatim")
