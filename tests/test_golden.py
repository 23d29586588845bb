"""Issue #21: a structural change changes nothing a script sees. `verbatim ask --json` on the
bundled samples, on both backends, prints exactly what it printed before index/ was reorganised
(tests/golden/ask.json, written by `python benchmarks/golden.py record --only ask`; the eval
outputs there are compared by `golden.py check`, minutes each). Slow: the real packaged model."""

import json
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

sys.path.insert(0, str(ROOT / "benchmarks"))
import golden  # noqa: E402


def test_ask_json_on_the_samples_is_what_it_was_on_both_backends():
    pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
    recorded = json.loads((golden.GOLDEN / "ask.json").read_text(encoding="utf-8"))
    now = golden.ask_outputs()
    assert golden.first_difference(recorded, now) is None, golden.first_difference(recorded, now)
    assert now["embedded"] == now["milvus"]  # and both backends answer alike
