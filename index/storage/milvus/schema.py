"""The four collections' schemas and indexes (see index/storage/milvus/storage.py for the layout)."""

import logging

from ...text.tokens import B, K1

# The engine's BM25 reads text that Verbatim's own BM25 tokenizer made (each text in its language:
# index/text/tokens.py), so that it scores what bm25s scores, on Lite (whose analyzers do not stem,
# and know only "standard" and "jieba") as on a server. SciFact, whole abstracts, BM25 nDCG@10:
# bm25s 0.686, Lite on the raw text 0.665, Lite on these tokens 0.686. Collections made before
# languages have no `language` fields (Milvus Lite cannot add one): they are read as "".
ANALYZER = {"tokenizer": "standard", "filter": ["lowercase"]}  # the tokens pass through as they are
FILTERED = {"chunks": ("document_id", "embed_hash", "language"), "sentences": ("document_id", "embed_hash"),
            "texts": ("document_id",), "documents": ("generation", "collection")}
MODEL_PROPERTY = "verbatim.model"  # on the chunks collection: the model its vectors come from


def create(client, names: dict[str, str], model: str, dim: int) -> None:
    """Make the four collections for `model` (vectors of `dim` numbers), chunks last and then its
    model property: what other processes wait for (MilvusStorage.model)."""
    from pymilvus import DataType, Function, FunctionType

    def schema():
        return client.create_schema(auto_id=False)

    chunks = schema()
    chunks.add_field("id", DataType.INT64, is_primary=True)
    _owned(chunks, DataType)
    chunks.add_field("start", DataType.INT64)
    chunks.add_field("end", DataType.INT64)
    chunks.add_field("embed_hash", DataType.VARCHAR, max_length=64)
    chunks.add_field("language", DataType.VARCHAR, max_length=16)  # BM25 searches a question's own
    # Who may read it: a partition key, as Milvus's multi-tenancy guide has it for one tenant of many.
    chunks.add_field("collection", DataType.VARCHAR, max_length=64, is_partition_key=True)
    chunks.add_field("entities", DataType.VARCHAR, max_length=65_535)  # index/text/entities.py
    chunks.add_field("text", DataType.VARCHAR, max_length=65_535, enable_analyzer=True,
                     analyzer_params=ANALYZER)
    chunks.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    chunks.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    chunks.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                 input_field_names=["text"], output_field_names=["sparse"]))
    documents = schema()
    documents.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
    for name in ("source", "title"):
        documents.add_field(name, DataType.VARCHAR, max_length=65_535)
    for name in ("published", "version", "content_hash", "ingested_at", "language"):
        documents.add_field(name, DataType.VARCHAR, max_length=64)
    documents.add_field("summary", DataType.VARCHAR, max_length=65_535)
    documents.add_field("generation", DataType.INT64)
    documents.add_field("from_image", DataType.BOOL)  # its text read by OCR
    documents.add_field("collection", DataType.VARCHAR, max_length=64)
    documents.add_field("chunks", DataType.INT64)
    documents.add_field("parts", DataType.INT64)  # pieces of its text in `texts`
    documents.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)  # the mean chunk vector
    texts = schema()
    texts.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
    _owned(texts, DataType)
    texts.add_field("part", DataType.INT64)
    texts.add_field("text", DataType.VARCHAR, max_length=65_535)
    texts.add_field("vector", DataType.FLOAT_VECTOR, dim=2)  # unused: Milvus requires a vector field
    sentences = schema()
    sentences.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
    _owned(sentences, DataType)
    sentences.add_field("start", DataType.INT64)
    sentences.add_field("end", DataType.INT64)
    sentences.add_field("embed_hash", DataType.VARCHAR, max_length=64)
    sentences.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    # Lite's in-process server logs a traceback for a call it lacks (AllocTimestamp) while creating.
    quiet = logging.getLogger("grpc._server")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        _make(client, names, {"texts": texts, "sentences": sentences, "documents": documents, "chunks": chunks},
              model)
    finally:
        quiet.setLevel(level)

def _make(client, names: dict[str, str], schemas: dict, model: str) -> None:
    from pymilvus.exceptions import MilvusException

    # chunks last, then its model: what other processes wait for (`layout`)
    for kind, made in schemas.items():
        index = client.prepare_index_params()
        index.add_index("vector", index_type="AUTOINDEX", metric_type="IP")
        if kind == "chunks":
            index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                            params={"bm25_k1": K1, "bm25_b": B})
        for field_name in FILTERED[kind]:  # what deletes, updates and listings filter on
            index.add_index(field_name, index_type="INVERTED")
        try:
            client.create_collection(names[kind], schema=made, consistency_level="Strong")
        except MilvusException:
            if not client.has_collection(names[kind]):
                raise
            continue  # another writer made it, and indexes it
        # Not `create_collection(index_params=…)`: pymilvus then polls twice a second per index
        # until it is built (Milvus Lite: 0.5 s a collection, plus 0.5 s per index).
        client.create_index(names[kind], index, sync=False)
        client.load_collection(names[kind])
    client.alter_collection_properties(names["chunks"], properties={MODEL_PROPERTY: model})


def _owned(schema, types) -> None:
    """The fields that tie a row to a version of a document."""
    schema.add_field("document_id", types.VARCHAR, max_length=64)
    schema.add_field("version", types.VARCHAR, max_length=16)


def newer_fields(client, names: dict[str, str]) -> tuple[bool, bool, bool, bool]:
    """Whether existing collections have the fields added since the first ones: chunks' and
    documents' `language`, documents' `from_image`, chunks' `entities`, both's `collection`
    (Milvus Lite cannot add a field: older collections read "", False, "" and the shared one)."""
    chunks = {f["name"] for f in client.describe_collection(names["chunks"])["fields"]}
    documents = {f["name"] for f in client.describe_collection(names["documents"])["fields"]}
    return "language" in chunks, "from_image" in documents, "entities" in chunks, "collection" in chunks
