"""The settings an operator reads about are the ones the code reads: `.env.example`, the documentation's
table and `bot/config.py` agree with `bot/variables.py`."""

import re

from bot import variables
from bot.config import Settings


def test_env_example_and_the_settings_page_are_written_from_the_catalogue():
    assert variables.main(["--check"]) == 0, "run python -m bot.variables"


def test_every_variable_the_code_reads_is_in_the_catalogue_and_back():
    source = (variables.ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'"((?:TELEGRAM|VERBATIM)_[A-Z0-9_]+)"', source))
    listed = {v.name for v in variables.VARIABLES}
    assert read - listed == set(), "read by bot/config.py, missing from bot/variables.py"
    assert listed - read == set(), "documented in bot/variables.py, read by nothing"


def test_the_documented_defaults_are_the_defaults():
    written = Settings.from_mapping({v.name: v.default for v in variables.VARIABLES})
    assert written == Settings.from_mapping({})


def test_a_drifted_default_is_caught():
    drifted = {v.name: ("12" if v.name == "VERBATIM_MAX_RESULTS" else v.default) for v in variables.VARIABLES}
    assert Settings.from_mapping(drifted) != Settings.from_mapping({})
