"""A question is analysed once where it enters index/ (index/ranking/question.py): its way through
ranking comes back to a module it had left at most three times, and its language is detected in
one place (benchmarks/route.py traces it)."""

import sys

import pytest

from tests.conftest import ROOT, BOTH_BACKENDS

sys.path.insert(0, str(ROOT / "benchmarks"))
from route import returns, route  # noqa: E402


@BOTH_BACKENDS
@pytest.mark.parametrize("question", ["How much honey can a strong colony store?",
                                      "¿Cuánta miel guarda una colmena?"])
def test_a_question_is_analysed_once(library, question):
    library.search(question)  # indexes loaded, languages prepared
    stays = route(library, question)
    assert stays[:2] == ["library", "ranking/question"], stays
    assert returns(stays) <= 3, " → ".join(stays)
    # Its words are weighed and the kind of answer it asks is read there, never again on the way.
    assert stays.count("ranking/question") == 1 and not {"text/terms", "ranking/asked"} & set(stays), stays


def test_the_tracer_sees_a_question_read_again(library):
    """The tracer is no constant: a step that analyses the question again shows on the route."""
    import index.ranking.retrieval as retrieval
    from index.ranking import asked

    stays = route(library, "How much honey can a strong colony store?")
    real = retrieval._missing

    def missing(weights, found):
        asked.kind_of("How much honey can a strong colony store?")
        return real(weights, found)

    retrieval._missing = missing
    try:
        again = route(library, "How much honey can a strong colony store?")
    finally:
        retrieval._missing = real
    assert "ranking/asked" not in stays and "ranking/asked" in again
