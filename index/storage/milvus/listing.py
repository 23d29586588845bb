"""Documents read from the documents and texts collections: by id, by source, listed, and
counted by collection (what MilvusStorage's reads call)."""

from collections import defaultdict
from typing import TYPE_CHECKING

from ...types import SHARED, CollectionInfo, Document, DocumentInfo
from ..base import Collections
from .rows import equals, quote, text_id
from .search import scope

if TYPE_CHECKING:
    from .storage import MilvusStorage


def inside(storage: "MilvusStorage", collections: Collections) -> str | None:
    """A filter's " and …" keeping documents within `collections` ("" for all); None: none can be."""
    where = scope(storage, collections)
    return where and f" and {where}"


def find_document_id(storage: "MilvusStorage", ref: str, collections: Collections) -> str | None:
    where = inside(storage, collections)
    if not storage.ready() or where is None:
        return None
    found = storage.client.query(storage.names["documents"], output_fields=["id"], limit=2,
                                 filter=f"({equals('id', ref)} or {equals('source', ref)}){where}")
    exact = [row["id"] for row in found if row["id"] == ref] or [row["id"] for row in found]
    if exact:
        return exact[0]
    prefix = "".join(c for c in ref if c.isalnum())
    if not prefix:
        return None
    rows = storage.client.query(storage.names["documents"], filter=f'id like "{prefix}%"{where}', output_fields=["id"],
                                limit=2)
    return rows[0]["id"] if len(rows) == 1 else None


def documents_by_id(storage: "MilvusStorage", ids: list[str], fields: tuple[str, ...] = ()
                    ) -> dict[str, tuple[Document, dict]]:
    rows = storage.rows_by_id("documents", list(dict.fromkeys(ids)),
                              ["title", "source", "published", "version", "parts", *storage.language_field(True),
                               *(["collection"] if storage.scoped else []), *fields])
    keys = {r["id"]: [text_id(r["id"], r["version"], n) for n in range(r["parts"])] for r in rows}
    pieces = {p["id"]: p["text"] for p in storage.rows_by_id("texts", [k for ks in keys.values() for k in ks], ["text"])}
    return {r["id"]: (Document(r["id"], r["title"], r["source"], r["published"] or None,
                               "".join(pieces[k] for k in keys[r["id"]]), r.get("language") or "",
                               bool(r.get("from_image")), r.get("collection") or SHARED), r)
            for r in rows if all(k in pieces for k in keys[r["id"]])}


def documents(storage: "MilvusStorage", after_generation: int, since: str | None, collections: Collections
              ) -> list[DocumentInfo]:
    where = inside(storage, collections)
    if where is None:
        return []
    rows = storage.rows_where("documents", f"generation > {int(after_generation)} and ingested_at >= "
                              f"{quote(since or '')}{where}",
                              ["id", "title", "source", "published", "chunks", "ingested_at",
                               *storage.language_field(True), *(["collection"] if storage.scoped else [])])
    rows.sort(key=lambda r: r["title"])
    rows.sort(key=lambda r: r["published"] or r["ingested_at"], reverse=True)
    return [DocumentInfo(r["id"], r["title"], r["source"], r["published"] or None, r["chunks"],
                         bool(r.get("from_image")), r.get("language") or "", r.get("collection") or SHARED)
            for r in rows]


def collections(storage: "MilvusStorage") -> list[CollectionInfo]:
    """The engine has no GROUP BY: every document row's collection, chunks and date, added up here."""
    rows = storage.rows_where("documents", "", ["chunks", "ingested_at", *(["collection"] if storage.scoped else [])])
    counted: dict[str, list] = defaultdict(lambda: [0, 0, ""])
    for row in rows:
        seen = counted[row.get("collection") or SHARED]
        seen[0], seen[1], seen[2] = seen[0] + 1, seen[1] + row["chunks"], max(seen[2], row["ingested_at"])
    return [CollectionInfo(name, *counted[name]) for name in sorted(counted)]
