"""Recent answers kept server-side, so a "More" button carries only a short key."""

import secrets
from collections import OrderedDict

from index import Answer


class RecentAnswers:
    """The last `size` answers by key; older ones are forgotten."""

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._answers: OrderedDict[str, Answer] = OrderedDict()

    def remember(self, answer: Answer) -> str:
        """Store an answer and return its key (8 characters, safe in callback data)."""
        key = secrets.token_urlsafe(6)
        self._answers[key] = answer
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)
        return key

    def get(self, key: str) -> Answer | None:
        """Return a remembered answer, or None when it was forgotten."""
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
        return answer
