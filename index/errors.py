"""Named errors for operators; translated into one clear line at the CLI or bot edge."""


class VerbatimError(Exception):
    """Base class: the message is written for the person running Verbatim."""


class IndexNotFound(VerbatimError):
    """The index directory holds no index yet."""


class ModelMismatch(VerbatimError):
    """The index was built with another embedding model than the one configured."""


class ModelUnavailable(VerbatimError):
    """The configured embedding model cannot be loaded offline."""


class UnsupportedDocument(VerbatimError):
    """A file or URL that Verbatim cannot read as text."""


class DownloadFailed(UnsupportedDocument):
    """A download that failed this time (no connection, too slow, a server error): worth
    trying again later, unlike a page that is refused or too large."""


class DocumentNotFound(VerbatimError):
    """No stored document matches the given id or source."""


class IndexUnavailable(VerbatimError):
    """The index cannot be read or written now (its Milvus server is down); try again shortly."""
