"""The documentation says what exists: the site builds strictly (no broken link or anchor), the
commands it shows run against the samples (or are marked illustrative), and every `verbatim`
command and option it names is in the CLI."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from bot.cli import cli, main
from tests.conftest import HASH_MODEL, HASH_THRESHOLD, SAMPLES

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"(?:^(<!--[^\n]*-->)\n)?^```(\w*)\n(.*?)^```", re.S | re.M)
RUNS, ILLUSTRATIVE = "<!-- runs: the samples -->", "<!-- illustrative -->"
SHELL = {"sh", "bash", "console", "shell"}


def blocks() -> list[tuple[Path, str, str]]:
    """(page, marker, body) of every shell block of the docs and the README."""
    return [(page, marker or "", body) for page in PAGES
            for marker, language, body in FENCE.findall(page.read_text(encoding="utf-8")) if language in SHELL]


def mentions() -> list[tuple[Path, list[str]]]:
    """Every `verbatim …` the docs show, in code spans and shell blocks, as words."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8").replace("\\|", "|")
        spans = re.findall(r"`(verbatim [^`]+)`", text)
        lines = [line.strip() for _, _, body in FENCE.findall(text) for line in body.splitlines()]
        for shown in spans + [line for line in lines if line.startswith("verbatim ")]:
            found.append((page, shown.split("#")[0].split()))
    return found


def test_the_site_builds_strictly(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "site" / "settings" / "index.html").exists()


def test_a_broken_anchor_fails_the_build(tmp_path):
    """The strict build is a real check: the same site with one link to a missing anchor fails."""
    site = tmp_path / "copy"
    shutil.copytree(ROOT / "docs", site / "docs")
    for name in ("mkdocs.yml", "CHANGELOG.md"):
        shutil.copy(ROOT / name, site / name)
    with (site / "docs" / "using.md").open("a") as page:
        page.write("\nSee [nowhere](measured.md#no-such-section).\n")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "out")],
                          cwd=site, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode != 0 and "no-such-section" in done.stderr


def test_the_docs_speak_to_users_not_to_the_issue_tracker():
    for page in [*PAGES, ROOT / "CHANGELOG.md"]:
        found = re.findall(r"\bissues? #?\d+|#\d{2,}\b", page.read_text(encoding="utf-8"), re.I)
        assert not found, f"{page.name}: {found}"


def test_every_shell_block_runs_or_says_it_is_illustrative():
    unmarked = [(page.name, body.splitlines()[0]) for page, marker, body in blocks()
                if marker not in (RUNS, ILLUSTRATIVE)]
    assert not unmarked, f"mark these {RUNS} or {ILLUSTRATIVE}: {unmarked}"
    assert any(marker == RUNS for _, marker, _ in blocks())


def test_the_commands_shown_run_against_the_samples(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VERBATIM_MODEL", HASH_MODEL)
    monkeypatch.setenv("VERBATIM_THRESHOLD", str(HASH_THRESHOLD))
    monkeypatch.setenv("VERBATIM_READER", "off")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("VERBATIM_MILVUS_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "samples").symlink_to(SAMPLES)
    ran = 0
    for page, marker, body in blocks():
        if marker != RUNS:
            continue
        for line in body.splitlines():
            words = shlex.split(line, comments=True)
            if not words:
                continue
            assert words[0] == "verbatim", f"{page.name}: only verbatim commands run here: {line}"
            code = main(words[1:])
            out, err = capsys.readouterr()
            assert code == 0, f"{page.name}: {line}\n{err}"
            assert out.strip(), f"{page.name}: {line} printed nothing"
            ran += 1
    assert ran >= 5


def test_every_command_and_option_the_docs_name_exists():
    wrong = [(page.name, " ".join(words), problem) for page, words in mentions()
             if (problem := _unknown(words[1:]))]
    assert not wrong, wrong


def _unknown(words: list[str]) -> str:
    """The first word of a shown command line that the CLI does not have ("" when all are there):
    commands and subcommands down the groups, then options of the command reached."""
    command: click.Command = cli
    for word in (w.strip("[]") for w in words):
        if not word:
            continue
        if word.startswith("-"):
            options = {o for p in command.params for o in p.opts + p.secondary_opts} | {"-h", "--help"}
            if word.split("=")[0] not in options:
                return word
        elif isinstance(command, click.Group):
            names = word.split("|")
            if word in ("…", "...") or word.isupper():
                return ""  # a placeholder for any command
            if not all(name in command.commands for name in names):
                return word
            if len(names) > 1:  # `feeds add|list|remove`: each exists; their options are not shown
                return ""
            command = command.commands[word]
    return ""


def test_every_command_of_the_cli_is_in_the_command_line_page():
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8").replace("\\|", "|")
    shown = {w for span in re.findall(r"`verbatim ([^`]+)`", page) for w in span.split()[0].split("|")}
    groups = {name: cmd for name, cmd in cli.commands.items() if isinstance(cmd, click.Group)}
    missing = [name for name in cli.commands if name not in shown]
    missing += [f"{group} {sub}" for group, cmd in groups.items() for sub in cmd.commands
                if not re.search(rf"verbatim {group} [^`]*\b{sub}\b", page)]
    assert not missing, f"docs/cli.md does not show: {missing}"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_help_of_every_command_explains_itself(command):
    text = cli.commands[command].get_help(click.Context(cli.commands[command], info_name=command))
    assert len(text.splitlines()) >= 3 and "Usage:" in text
