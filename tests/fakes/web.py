"""A local web site on 127.0.0.1 serving fixed pages, with ETag/Last-Modified support."""

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeWebsite:
    """Serve `pages[path] = (content_type, body)` ("redirect", location) redirects; count requests per path."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.slow: dict[str, float] = {}  # path -> seconds between bytes (a dripping server)
        self.slow_headers: dict[str, float] = {}  # path -> seconds between bytes of the headers
        self.requests: list[tuple[str, dict]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                site.requests.append((self.path, dict(self.headers)))
                page = site.pages.get(self.path)
                if page is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                content_type, body = page
                if self.path in site.slow_headers:
                    return drip_headers(self, content_type, body, site.slow_headers[self.path])
                if content_type == "redirect":  # body is the Location
                    self.send_response(302)
                    self.send_header("Location", body.decode())
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                delay = site.slow.get(self.path)
                try:
                    for i in range(len(body)) if delay else ():
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(delay)
                    if not delay:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up

            do_POST = do_GET  # noqa: N815 (a page where an API is expected answers its POSTs too)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True

    def __enter__(self) -> "FakeWebsite":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self._server.server_address[1]}{path}"


def drip_headers(request: BaseHTTPRequestHandler, content_type: str, body: bytes, delay: float) -> None:
    """Answer with the status line and headers a byte every `delay` seconds (then the body)."""
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            + "".join(f"X-Padding-{i}: {'x' * 40}\r\n" for i in range(20)) + "\r\n").encode()
    try:
        for i in range(len(head)):
            request.wfile.write(head[i : i + 1])
            request.wfile.flush()
            time.sleep(delay)
        request.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up
    request.close_connection = True


def make_pdf(lines: list[str], title: str | None = None, pages: list[list[str]] | None = None,
             size: tuple[int, int] = (612, 792)) -> bytes:
    """Write a minimal PDF whose text layer holds `lines` (one page), or each of `pages`, on
    pages `size` points wide and high (US Letter)."""
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    pages = pages or [lines]
    first_page = 4  # objects: catalog, pages, font, then a page and its contents for each page
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, page in enumerate(pages):
        stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({esc(line)}) '" for line in page) + " ET"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {size[0]} {size[1]}] /Contents {first_page + 2 * i + 1} 0 R"
                       " /Resources << /Font << /F1 3 0 R >> >> >>")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    if title:
        objects.append(f"<< /Title ({esc(title)}) >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
