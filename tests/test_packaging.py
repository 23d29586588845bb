"""Issue #21: what `pip install .` ships is enough to run (every subpackage of index/, the reader's
weights and the confidence model beside their modules). Slow: pip, and the real packaged model."""

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow


def test_a_non_editable_install_runs_ingest_and_ask(tmp_path):
    source, target = tmp_path / "source", tmp_path / "site"  # built from a copy: no build/ left in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__", "data"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True, timeout=300)
    shipped = {p.relative_to(target).as_posix() for p in (target / "index").rglob("*") if p.is_file()}
    assert {"index/models/reader.safetensors", "index/models/centroids.multilingual-e5-small.npz",
            "index/ranking/confidence.json", "index/text/followups.json",
            "index/storage/embedded/storage.py", "index/storage/milvus/storage.py"} <= shipped
    # The installed copy first on the path, run from elsewhere: the checkout cannot stand in for it.
    env = {**os.environ, "PYTHONPATH": str(target), "VERBATIM_INDEX_DIR": str(tmp_path / "idx"),
           "VERBATIM_MILVUS_URI": ""}

    def verbatim(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    where = subprocess.run([sys.executable, "-c", "import index; print(index.__file__)"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target))
    verbatim("ingest", str(SAMPLES), "--quiet")
    answer = verbatim("ask", "Who patented a needle telegraph in 1837?")
    assert "Cooke and Wheatstone patented a needle telegraph in 1837" in answer
