"""Recent answers kept server-side, so a "More" button carries only a short key."""

import secrets
from collections import OrderedDict

from index import Answer


class RecentAnswers:
    """The last `size` answers by key, each kept for the chat it was sent to; older ones are forgotten."""

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._answers: OrderedDict[str, tuple[int, Answer, str]] = OrderedDict()

    def remember(self, answer: Answer, chat_id: int, typed: str = "") -> str:
        """Store an answer sent to `chat_id` (asked as `typed`, when that is not what was
        searched) and return its key (8 characters, safe in callback data)."""
        key = secrets.token_urlsafe(6)
        self._answers[key] = (chat_id, answer, typed)
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)
        return key

    def get(self, key: str, chat_id: int | None) -> Answer | None:
        """Return a remembered answer if it was sent to `chat_id`; None when forgotten or not theirs."""
        kept = self._answers.get(key)
        if kept is None or kept[0] != chat_id:
            return None
        self._answers.move_to_end(key)
        return kept[1]

    def typed(self, key: str) -> str:
        """What the user typed for a remembered answer ("" when it is what was searched)."""
        kept = self._answers.get(key)
        return kept[2] if kept else ""
