"""The architecture the style guide asks for, checked."""

import ast

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


def test_every_setting_is_documented_in_env_example():
    documented = {line.split("=")[0].lstrip("# ").strip()
                  for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line}
    source = (ROOT / "bot" / "config.py").read_text()
    used = {word.strip('"') for word in source.replace("(", " ").replace(")", " ").split()
            if word.strip('",').startswith(("TELEGRAM_", "VERBATIM_"))}
    used = {u.strip('",') for u in used}
    assert used and used <= documented, used - documented


def test_settings_never_show_the_token():
    settings = Settings.from_mapping({"TELEGRAM_BOT_TOKEN": "123:SECRET", "VERBATIM_MILVUS_TOKEN": "root:MILVUS"})
    assert "SECRET" not in repr(settings) and "MILVUS" not in repr(settings)
    assert settings.api_base_url == "https://api.telegram.org/bot"
