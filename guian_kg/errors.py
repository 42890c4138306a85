"""The one family of errors the library raises; the CLI maps them to exit codes, the server to HTTP statuses."""

from __future__ import annotations

from pathlib import Path


class GuianKGError(Exception):
    """Base class of every error guian-kg raises on purpose."""

    exit_code = 2

    def __reduce__(self):
        # Pickled whole (message and attributes), whatever the subclass's __init__ takes: the
        # build's worker processes send their errors back to the parent.
        return _restore, (type(self), self.args, self.__dict__)


def _restore(cls: type, args: tuple, state: dict) -> GuianKGError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InputError(GuianKGError):
    """Input that cannot be read: a missing file, malformed RDF, a bad option value."""


class RDFSyntaxError(InputError):
    """A Turtle (or other RDF) file that does not parse; names the file and the line."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


class QuoteError(GuianKGError):
    """Facts whose quote is not in the source text (or not once), or whose stated value is not in the quote."""

    exit_code = 1


class ValidationFailed(GuianKGError):
    """The graph does not conform to the SHACL shapes; carries the readable report."""

    exit_code = 1

    def __init__(self, report: str, results: int):
        self.report = report
        self.results = results
        super().__init__(f"the graph does not conform to the shapes ({results} results)")


class QueryError(InputError):
    """A SPARQL query that does not parse or cannot be run; the message carries line and column."""


class RemoteDocumentRefused(InputError):
    """A JSON-LD document that needs a remote document (a context) other than the project's: never fetched."""

    def __init__(self, url: str):
        self.url = url
        super().__init__(
            f"refused to load the remote JSON-LD document {url}: guian-kg never fetches documents over "
            "the network (it knows only the project's own context, served from the package); "
            "inline that context in the document instead"
        )


class ExternalReferenceRefused(InputError):
    """An input file that refers to a document outside it (a JSON-LD context, an XML DTD or entity): never read."""

    def __init__(self, path: Path | str, line: int | None, url: str, message: str):
        self.path = Path(path)
        self.line = line
        self.url = url
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


class StoreError(GuianKGError):
    """A triple store refused or failed a load (HTTP error, redirect, partial load, data that differ): exit 3."""

    exit_code = 3


class LoadUnverified(StoreError):
    """The store accepted every graph, but reading them back or counting them failed: exit 3."""


class StoreUnreachable(StoreError):
    """The triple store did not answer, or not in full within the timeout, after the retries: exit 2."""

    exit_code = 2


class OutputError(InputError):
    """An output that was not written: a folder guian-kg did not make, a link, a full disk; nothing is lost."""
