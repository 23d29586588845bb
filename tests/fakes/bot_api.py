"""A fake Telegram Bot API server on 127.0.0.1 that speaks the real HTTP protocol.

It records every call, answers the methods the bot uses, and serves updates to real long
polling (getUpdates waits until an update arrives or its timeout passes).
"""

import itertools
import json
import threading
import time
import urllib.parse
from email.parser import BytesParser
from email.policy import HTTP
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON_FIELDS = {
    "reply_markup", "entities", "link_preview_options", "reply_parameters", "commands",
    "results", "allowed_updates", "caption_entities", "scope", "button",
}


class FakeBotAPI:
    """Holds updates for the bot and records what the bot sent."""

    def __init__(self, token: str = "123456:TEST-token", username: str = "verbatim_test_bot") -> None:
        self.token = token
        self.bot = {"id": 999000, "is_bot": True, "first_name": "Verbatim", "username": username,
                    "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": True}
        self.calls: list[tuple[str, dict]] = []
        self.files: dict[str, bytes] = {}
        self.failures: list[dict] = []
        self.latency: dict[str, float] = {}  # method -> seconds before answering, as a busy network
        self.drop: dict[str, int] = {}  # method -> how many responses to lose after doing the call
        self._updates: list[dict] = []
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._server: ThreadingHTTPServer | None = None

    # ----- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                api._handle(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        with self._cond:
            self._cond.notify_all()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ----- what a user does -----------------------------------------------------------------

    def push(self, **update) -> dict:
        with self._cond:
            update["update_id"] = next(self._ids)
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def message(self, text: str, chat_id: int = 42, chat_type: str = "private", user_id: int = 42,
                reply_to: dict | None = None, language_code: str | None = None, **extra) -> dict:
        """Send a text message from a user (whose app is set to `language_code`); returns the
        message as the bot will see it."""
        message = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": _chat(chat_id, chat_type), "from": _user(user_id, language_code), "text": text, **extra,
        }
        entities = _entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self.push(message=message)
        return message

    def press(self, bot_message: dict, data: str, user_id: int = 42, language_code: str | None = None) -> dict:
        """Press an inline button under a message the bot sent."""
        return self.push(callback_query={
            "id": str(next(self._ids)), "from": _user(user_id, language_code), "chat_instance": "ci",
            "message": bot_message, "data": data,
        })

    def inline(self, query: str, user_id: int = 42) -> dict:
        return self.push(inline_query={"id": str(next(self._ids)), "from": _user(user_id),
                                       "query": query, "offset": ""})

    def fail_next(self, method: str, error_code: int, description: str, skip: int = 0, after_doing: bool = False,
                  **parameters) -> None:
        """Make a call of `method` fail as Telegram would (403, 429 with retry_after…), after
        letting `skip` calls through; `after_doing`: carry the call out first (a proxy's 502
        after Telegram accepted the message)."""
        self.failures.append({"method": method, "error_code": error_code, "skip": skip, "after_doing": after_doing,
                              "description": description, "parameters": parameters})

    # ----- what the bot did -----------------------------------------------------------------

    def sent(self, method: str) -> list[dict]:
        """Every call of `method` the bot made (each with `_outcome`: ok, failed or dropped)."""
        return [params for name, params in list(self.calls) if name == method]

    def delivered(self, method: str = "sendMessage") -> list[dict]:
        """The calls Telegram carried out: answered ok, or done with the answer lost."""
        return [p for p in self.sent(method) if p.get("_outcome") in ("ok", "dropped")]

    def wait_for(self, method: str, predicate=lambda p: True, timeout: float = 15, after: int = 0) -> dict:
        """Block until the bot calls `method` with matching parameters (after call `after`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, params in list(self.calls)[after:]:
                if name == method and predicate(params):
                    return params
            time.sleep(0.02)
        raise AssertionError(f"the bot did not call {method} in {timeout}s; calls: "
                             f"{[n for n, _ in self.calls if n != 'getUpdates']}")

    # ----- the HTTP side --------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.unquote(urllib.parse.urlparse(request.path).path)
        prefix = f"/bot{self.token}/"
        if path.startswith(f"/file/bot{self.token}/"):
            return self._serve_file(request, path.split("/", 3)[3])
        if not path.startswith(prefix):
            return _reply(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        method = path[len(prefix):]
        params = _params(request)
        params["_received"] = time.monotonic()
        self.calls.append((method, params))
        if self.latency.get(method):
            time.sleep(self.latency[method])
        if self.drop.get(method) and hasattr(self, "_api_" + method):
            self.drop[method] -= 1
            getattr(self, "_api_" + method)(params)  # Telegram did it; the answer never arrives
            params["_outcome"] = "dropped"
            request.close_connection = True
            return
        failure = next((f for f in self.failures if f["method"] == method), None)
        if failure and failure["skip"] > 0:
            failure["skip"] -= 1
            failure = None
        if failure:
            params["_outcome"] = "failed"
            self.failures.remove(failure)
            if failure["after_doing"] and hasattr(self, "_api_" + method):
                getattr(self, "_api_" + method)(params)
                params["_outcome"] = "dropped"  # done, but the bot is told it failed
            body = {"ok": False, "error_code": failure["error_code"], "description": failure["description"]}
            if failure["parameters"]:
                body["parameters"] = failure["parameters"]
            return _reply(request, failure["error_code"], body)
        problem = _entity_problem(params)
        if problem:  # Telegram refuses HTML it cannot parse, before doing anything else
            params["_outcome"] = "failed"
            return _reply(request, 400, {"ok": False, "error_code": 400,
                                         "description": f"Bad Request: can't parse entities: {problem}"})
        handler = getattr(self, "_api_" + method, None)
        if handler is None:
            return _reply(request, 404, {"ok": False, "error_code": 404,
                                         "description": "Not Found: method not found"})
        params["_outcome"] = "ok"
        params["_result"] = handler(params)  # what the bot got back (a sent message, to reply to)
        _reply(request, 200, {"ok": True, "result": params["_result"]})

    def _serve_file(self, request, file_path: str) -> None:
        data = self.files.get(file_path)
        if data is None:
            return _reply(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        request.send_response(200)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _api_getMe(self, params):  # noqa: N802
        return self.bot

    def _api_getUpdates(self, params):  # noqa: N802
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._cond:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline and self._server:
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            return list(self._updates[: int(params.get("limit") or 100)])

    def _bot_message(self, params, message_id=None):
        chat_id = int(params["chat_id"])
        message = {"message_id": message_id or next(self._message_ids), "date": int(time.time()),
                   "chat": _chat(chat_id, "private" if chat_id > 0 else "supergroup"),
                   "from": self.bot, "text": params.get("text", "")}
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _api_sendMessage(self, params):  # noqa: N802
        return self._bot_message(params)

    def _api_editMessageText(self, params):  # noqa: N802
        return self._bot_message(params, int(params["message_id"]))

    def _api_sendDocument(self, params):  # noqa: N802
        return self._bot_message(params)

    def _api_getFile(self, params):  # noqa: N802
        file_id = params["file_id"]
        return {"file_id": file_id, "file_unique_id": file_id, "file_path": f"documents/{file_id}",
                "file_size": len(self.files.get(f"documents/{file_id}", b""))}

    def _api_getChatMember(self, params):  # noqa: N802
        # `group_admins`: the administrators' ids, of every group or (a dict) of each group
        admins = getattr(self, "group_admins", set())
        admins = admins.get(int(params["chat_id"]), set()) if isinstance(admins, dict) else admins
        status = "administrator" if int(params["user_id"]) in admins else "member"
        return {"status": status, "user": _user(int(params["user_id"])),
                **({"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                    "can_delete_messages": True, "can_manage_video_chats": True,
                    "can_restrict_members": True, "can_promote_members": False,
                    "can_change_info": True, "can_invite_users": True, "can_post_stories": False,
                    "can_edit_stories": False, "can_delete_stories": False}
                   if status == "administrator" else {})}

    def _api_true(self, params):
        return True

    _api_deleteWebhook = _api_setMyCommands = _api_sendChatAction = _api_true  # noqa: N815
    _api_answerCallbackQuery = _api_answerInlineQuery = _api_close = _api_true  # noqa: N815
    _api_deleteMessage = _api_true  # noqa: N815


TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
                 "tg-emoji", "code", "pre", "blockquote"}


def _entity_problem(params: dict) -> str | None:
    """What Telegram would say about the HTML of a message, or None when it parses."""
    if str(params.get("parse_mode", "")).upper() != "HTML" or not isinstance(params.get("text"), str):
        return None

    class Check(HTMLParser):
        problem: str | None = None
        stack: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag not in TELEGRAM_TAGS:
                self.problem = self.problem or f'Unsupported start tag "{tag}"'
            self.stack.append(tag)

        def handle_endtag(self, tag):
            if not self.stack or self.stack.pop() != tag:
                self.problem = self.problem or f'Unexpected end tag "{tag}"'

    check = Check(convert_charrefs=True)
    check.stack = []
    check.feed(params["text"])
    check.close()
    return check.problem or (f'Unclosed start tag "{check.stack[-1]}"' if check.stack else None)


def _chat(chat_id: int, chat_type: str) -> dict:
    chat = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = "Ada"
    else:
        chat["title"] = "Reading group"
    return chat


def _user(user_id: int, language_code: str | None = None) -> dict:
    """A user as the Bot API describes one (`language_code`: their app's IETF tag, when known)."""
    user = {"id": user_id, "is_bot": False, "first_name": "Ada", "username": f"user{user_id}"}
    return {**user, "language_code": language_code} if language_code else user


def _entities(text: str) -> list[dict]:
    """Mark commands and @mentions as Telegram does (offsets in UTF-16 units)."""
    entities, offset = [], 0
    for word in text.split(" "):
        length = len(word.encode("utf-16-le")) // 2
        if word.startswith("/") and offset == 0 and len(word) > 1:
            entities.append({"type": "bot_command", "offset": 0, "length": length})
        elif word.startswith("@") and len(word) > 1:
            entities.append({"type": "mention", "offset": offset, "length": length})
        offset += length + 1
    return entities


def _params(request: BaseHTTPRequestHandler) -> dict:
    length = int(request.headers.get("Content-Length") or 0)
    body = request.rfile.read(length) if length else b""
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}")
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        raw = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            raw[name] = payload if part.get_filename() else payload.decode()
    else:
        raw = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        raw.update(dict(urllib.parse.parse_qsl(urllib.parse.urlparse(request.path).query)))
    return {k: json.loads(v) if k in JSON_FIELDS and isinstance(v, str) else v for k, v in raw.items()}


def _reply(request: BaseHTTPRequestHandler, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    try:
        request.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (a long poll cut short at shutdown)
