"""Credentials inside URLs, hidden wherever a URL is shown: a password in a Milvus URI
(`http://root:PASSWORD@host:19530`), a token in a feed's query string (`?token=…`), a user name
that is a token (`https://TOKEN@host/`). The URL itself is kept as given where it is used (to
connect, to download again); only what is printed, logged or sent to a chat is masked."""

import re

HIDDEN = "***"
# scheme://userinfo@ : the userinfo runs to the last "@" before the host (a password may hold one).
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^\s/?#]+)@")
# A query parameter whose name says it is a secret: token, api_key, password, sig, auth…
_SECRET_PARAMETER = re.compile(
    r"(?i)([?&;][\w.\-]*(?:token|key|secret|password|passwd|pwd|sig|signature|auth|credential)[\w.\-]*=)[^&#\s]+")


def _userinfo(match: re.Match) -> str:
    user, colon, _ = match.group(2).partition(":")
    return f"{match.group(1)}{user}:{HIDDEN}@" if colon else f"{match.group(1)}{HIDDEN}@"


def hidden(text: str) -> str:
    """Return `text` with the credentials of every URL in it masked (the rest of each URL kept)."""
    if "://" not in text and "=" not in text:
        return text
    return _SECRET_PARAMETER.sub(rf"\1{HIDDEN}", _USERINFO.sub(_userinfo, text))
