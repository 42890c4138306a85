"""The guian-kg command line: thin click commands over the library.

Exit codes: 0 ok; 1 the data does not conform (SHACL, quotes) or results differ; 2 usage or input
error (or a triple store that cannot be reached); 3 a triple store refused or failed a load.
Results go to stdout, diagnostics to stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from functools import wraps
from pathlib import Path

import click

from . import DEFAULT_BASE, __version__
from .errors import GuianKGError, OutputError, ValidationFailed
from .formats import (
    EXPORT_FORMATS,
    FORMATS,
    RESULT_FORMATS,
    choices,
    get_format,
    named,
    output_format,
)
from .progress import Progress

# `guian-kg query` answers from a cached dump with pyoxigraph alone, so that it starts in a blink:
# the modules that import rdflib or pyshacl (build, iri, serialize, stats) are imported inside the
# commands that use them.
JSONLD_FRAMES = ("designation", "organization", "observation")  # = guian_kg.jsonld.FRAMES (tested)
# Commands that talk to the network on purpose: `load` sends to the store it is given, and `serve`
# denies itself the network once its listening socket is open. Every other command runs without.
NETWORK_COMMANDS = ("load", "serve")


def reports_errors(command):
    """Map the library's errors to messages on stderr and the documented exit codes."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ValidationFailed as exc:
            click.echo(exc.report, err=True)
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except GuianKGError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def _echo_result(text: str | bytes) -> None:
    """Write a result to stdout; a full disk behind it is an error message and exit 2, not a traceback."""
    try:
        click.echo(text, nl=False)
        sys.stdout.flush()
    except OSError as exc:
        # What stayed in the buffer would fail again at exit, with a traceback of its own.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise OutputError(f"cannot write to stdout: {exc.strerror or exc}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="guian-kg")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Gui'an New Area's national designations as a linked-data knowledge graph.

    Exit codes: 0 ok, 1 data does not conform or results differ, 2 usage or input error (or a
    store that cannot be reached), 3 a triple store refused or failed a load.
    """
    if _sandboxed(ctx) and ctx.invoked_subcommand not in NETWORK_COMMANDS:
        _deny_network()


def main() -> None:
    """The `guian-kg` program: the commands, each without network unless it needs one."""
    cli(obj={"sandbox": True})


def _sandboxed(ctx: click.Context) -> bool:
    """Whether this run is the `guian-kg` program (tests that call `cli` in process are not)."""
    root = ctx.find_root()
    return bool(root.obj and root.obj.get("sandbox"))


def _deny_network() -> None:
    """Have the kernel refuse this process any socket (Linux); elsewhere say what is missing."""
    from .sandbox import SandboxUnavailable, deny_network

    try:
        deny_network()
    except SandboxUnavailable as exc:
        click.echo(f"warning: {exc}: only guian-kg's own checks keep it off the network", err=True)


@cli.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Folder to publish, replaced atomically; only an empty folder or one guian-kg "
    "wrote (its manifest proves it) is replaced.",
)
@click.option(
    "--base", default=DEFAULT_BASE, show_default=True, help="Base IRI of every identifier."
)
@click.option(
    "--data",
    "data",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Turtle files or folders to build instead of the project's data, their quotes anchored "
    "in the project's articles (repeatable); or one corpus folder (shared/, articles/).",
)
@reports_errors
def build(out: Path, base: str, data: tuple[Path, ...]) -> None:
    """Load, check quotes, validate with SHACL and publish the dumps to OUT.

    Nothing is written unless the graph conforms, nor where nothing changed since the last build
    (the same inputs, code and --base, and OUT and its store as that build left them).

    Example: guian-kg build --out dist
    """
    from .build import build as run_build
    from .build import data_inputs
    from .iri import check_base

    files, corpus = data_inputs(data)
    with Progress(sys.stderr) as progress:
        progress.step(f"building {out}: reading, anchoring, validating and writing")
        result = run_build(out, check_base(base), data_paths=files, corpus=corpus)
    _echo_result("".join(f"{path}\n" for path in result.files))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"built {result.triples} triples into {out} in {result.seconds:.2f} s "
        f"({_work(result)}); its store for `query` and `serve`: {result.store}",
        err=True,
    )


def _work(result) -> str:
    """What a build did (build.BuildResult): its parts read anew and its validation's scope."""
    if result.unchanged:
        return "nothing changed since the last build, whose files and store are in place"
    units = result.kg.units
    validated, parts = result.report.units
    scope = (
        f"validated all {parts:,} units"
        if validated == parts
        else f"validated {validated:,} of {parts:,} units, around what changed since the last "
        "clean validation"
    )
    return (
        f"{units.enriched} of {units.enriched + units.from_cache} parts read and anchored anew, "
        f"{units.from_cache} unchanged since an earlier build; {scope}"
    )


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "turtle", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--data-format",
    metavar="SYNTAX",
    help="Read every FILE (and -) in this RDF syntax whatever its extension, as riot's --syntax: "
    + choices(FORMATS)
    + ".  [default: from each file's extension; Turtle for -]",
)
@reports_errors
def validate(files: tuple[Path, ...], fmt: str, data_format: str | None) -> None:
    """Validate the project's data, or the given data FILES (- for stdin), or one corpus folder, against the SHACL shapes.

    FILES may be Turtle sources or the dumps `build` writes (.nq, .trig, .jsonld, .ttl, .nt).
    The report goes to stdout; exit 1 if the data does not conform. Quotes of FILES are anchored
    in the project's articles.

    Example: guian-kg validate data

    Example: guian-kg validate dist/guian-kg.nq

    Example: guian-kg validate --data-format nq - < dist/guian-kg.nq
    """
    from .build import check, data_inputs, load
    from .inputs import staged

    if data_format:
        data_format = named(data_format, FORMATS, "--data-format")
    with staged(files, data_format, sys.stdin.buffer) as paths, Progress(sys.stderr) as progress:
        inputs, corpus = data_inputs(paths)
        progress.step("reading and anchoring the data")
        kg = load(inputs, corpus=corpus)
        progress.step(f"validating {len(kg.store):,} triples")
        report = check(kg)
    output = {"text": report.text, "turtle": report.turtle, "json": report.json}[fmt]()
    _echo_result(output)
    if not report.conforms:
        sys.exit(1)


@cli.command()
@click.option(
    "--format",
    "fmt",
    metavar="FORMAT",
    help=f"RDF format: {choices(EXPORT_FORMATS)} (each statement as a nanopublication, in TriG)."
    "  [default: from the extension of -o FILE; ttl on stdout]",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default stdout); its extension gives the format without --format.",
)
@click.option(
    "--base", default=DEFAULT_BASE, show_default=True, help="Base IRI of every identifier."
)
@click.option(
    "--frame",
    "frame_name",
    type=click.Choice(JSONLD_FRAMES),
    help="With --format jsonld: a framed document, one object per designation, "
    "organisation or observation with related things nested.",
)
@click.option(
    "--context",
    "context_mode",
    type=click.Choice(["embed", "iri"]),
    help="With --format jsonld: embed the context, or reference it by IRI "
    "({base}context.jsonld). Default: embed, and iri with --frame.",
)
@reports_errors
def export(
    fmt: str | None,
    output: Path | None,
    base: str,
    frame_name: str | None,
    context_mode: str | None,
) -> None:
    """Write the whole graph in one RDF format (quad formats keep the named graphs), or each
    statement as a nanopublication with its quote and trusty URI (--format nanopub; its creation
    time is SOURCE_DATE_EPOCH's, if set).

    Example: guian-kg export --format nq -o guian-kg.nq

    Example: guian-kg export --format jsonld --frame designation -o designations.jsonld

    Example: guian-kg export -o guian-kg.trig

    Example: guian-kg export --format nanopub -o nanopubs.trig
    """
    from .build import load
    from .iri import check_base

    fmt = output_format(fmt, output, EXPORT_FORMATS, "ttl", "export")
    if (frame_name or context_mode) and fmt != "jsonld":
        raise click.UsageError("--frame and --context apply to --format jsonld only")
    check_base(base)
    kg = load()
    if fmt == "nanopub":
        from .nanopubs import nanopublications, source_date, trig

        text = trig(nanopublications(kg.store, base, source_date()), base)
    elif fmt == "jsonld":
        from .jsonld import export as export_jsonld

        text = export_jsonld(kg.graphs(base), base, frame_name, context_mode)
    else:
        from .write import serialize_dataset

        text = serialize_dataset(kg.graphs(base), get_format(fmt), base)
    if output:
        from .publish import write_file

        write_file(output, text.encode("utf-8"))
        click.echo(f"wrote {output}", err=True)
    else:
        _echo_result(text)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--dist",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Count a folder written by `guian-kg build` (its guian-kg.nq, or the store made of it).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@reports_errors
def stats(files: tuple[Path, ...], dist: Path | None, as_json: bool) -> None:
    """Print counts of the project's graph, a built DIR, or RDF FILES: triples per named graph,
    designations, observations, quotes, instances per class.

    Example: guian-kg stats --json

    Example: guian-kg stats --dist dist
    """
    from . import engine
    from .stats import statistics, table
    from .void import DUMP_STEM

    if dist and files:
        raise click.UsageError("give --dist or FILES, not both")
    if dist:
        files = (dist / f"{DUMP_STEM}.nq",)
    figures = statistics(engine.store_from_files(files) if files else engine.project_store())
    if as_json:
        _echo_result(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    else:
        _echo_result(table(figures))


@cli.command()
@click.argument("target", metavar="NAME|FILE|-")
@click.option(
    "--format",
    "fmt",
    metavar="FORMAT",
    help=f"SELECT/ASK: {choices(RESULT_FORMATS)} (json and xml: the W3C SPARQL 1.1 result "
    "formats). CONSTRUCT/DESCRIBE: "
    + choices(FORMATS)
    + ".  [default: from the extension of -o FILE; else table on a terminal, csv otherwise; "
    "ttl for graphs]",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default stdout), replaced whole as `export -o` does; its extension "
    "gives the format without --format.",
)
@click.option(
    "--data",
    "data",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Query this RDF file (format from its extension) instead of the built graph; repeatable.",
)
@reports_errors
def query(target: str, fmt: str | None, output: Path | None, data: tuple[Path, ...]) -> None:
    """Run a SPARQL query: an example NAME (see `guian-kg examples`), a FILE, or - for stdin.

    The default graph is the union of the named graphs (ontology, data, void); the project's
    prefixes are predeclared. A syntax error prints its line and column and exits 2.

    Example: guian-kg query timeline --format json

    Example: guian-kg query designations-granted-in-2015 -o granted-2015.csv
    """
    from . import query as queries

    if fmt:  # a name that is no format at all is refused before the query runs
        named(fmt, (*RESULT_FORMATS, *FORMATS), "query")
    stdin = sys.stdin.read() if target == "-" else None
    source, text = queries.resolve(target, stdin)
    with queries.answer(text, source, data) as result:
        chosen = queries.result_format(result, fmt, output, sys.stdout.isatty())
        rendered = queries.render(result, chosen)
    if output:
        from .publish import write_file

        write_file(output, rendered)
        click.echo(f"wrote {output}", err=True)
    else:
        _echo_result(rendered)


@cli.command()
@reports_errors
def examples() -> None:
    """List the example queries, each with its question in English and Chinese.

    Example: guian-kg examples
    """
    from .query import examples_listing

    _echo_result(examples_listing())


@cli.command("load")
@click.option(
    "--store",
    required=True,
    metavar="URL",
    help="Graph Store Protocol endpoint, e.g. http://127.0.0.1:7878/store (Oxigraph).",
)
@click.option("--graph", metavar="IRI", help="Put everything into this one named graph.")
@click.option("--default-graph", is_flag=True, help="Put everything into the default graph.")
@click.option(
    "--sparql",
    metavar="URL",
    help="SPARQL endpoint to count (or CONSTRUCT) the graphs with (derived for Oxigraph, Fuseki, "
    "GraphDB and Virtuoso Graph Store URLs).",
)
@click.option("--user", help="User name for HTTP authentication.")
@click.option(
    "--password",
    envvar="GUIAN_KG_STORE_PASSWORD",
    help="Password (or GUIAN_KG_STORE_PASSWORD; asked for if --user comes alone).",
)
@click.option("--digest", is_flag=True, help="HTTP Digest, not Basic, authentication (Virtuoso).")
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="Extra HTTP header, e.g. 'Authorization: Bearer …' (repeatable).",
)
@click.option(
    "--verify",
    type=click.Choice(["full", "counts"]),
    help="full: read each graph back and compare it triple by triple; counts: count it only. "
    "Default: full for graphs of at most 1,000,000 triples, counts above.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=4,
    show_default=True,
    help="Retries of a request that failed transiently (no answer, no complete answer in time, "
    "429, 502, 503, 504), waiting 0.5 s, 1 s, 2 s, … in between.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=120.0,
    show_default=True,
    help="Seconds a whole request may take: connecting, sending, waiting and reading the answer.",
)
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="Base IRI of identifiers.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@reports_errors
def load_command(
    store: str,
    graph: str | None,
    default_graph: bool,
    sparql: str | None,
    user: str | None,
    password: str | None,
    digest: bool,
    headers: tuple[str, ...],
    verify: str | None,
    retries: int,
    timeout: float,
    base: str,
    as_json: bool,
) -> None:
    """Load the graph into a triple store (SPARQL 1.1 Graph Store Protocol), then read it back.

    One PUT per named graph (ontology, data, void), so loading again replaces rather than adds;
    then each graph is read back and compared with what was sent (or only counted, --verify
    counts). A literal the store rewrote with its value kept (xsd:integer stored as xsd:decimal)
    is a warning. Exit codes: 0 loaded and verified; 2 usage error or store unreachable (or too
    slow for --timeout); 3 the store refused, redirected or failed the load, holds other triples
    than were sent, or the load could not be verified.

    Example: guian-kg load --store http://127.0.0.1:7878/store
    """
    import httpx

    from .build import load as load_graph
    from .iri import check_base
    from .load import Connection, load_into_store, parse_header, sparql_endpoint, uploads

    parsed = [parse_header(h) for h in headers]
    if password is not None and not user:
        raise click.UsageError("--password needs --user")
    if user and any(name.lower() == "authorization" for name, _ in parsed):
        raise click.UsageError("give either --user/--password or an Authorization header, not both")
    if user and password is None:
        password = click.prompt(f"Password for {user}", hide_input=True, err=True)
    auth = (httpx.DigestAuth if digest else httpx.BasicAuth)(user, password) if user else None
    connection = Connection(
        store,
        sparql or sparql_endpoint(store),
        auth,
        tuple(parsed),
        retries,
        timeout=timeout,
    )
    planned = uploads(load_graph().graphs(check_base(base)), graph, default_graph)
    report = load_into_store(
        planned, connection, _progress_display(sys.stderr.isatty()), verify=verify
    )
    for warning in report.warnings():
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        _echo_result(json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        _echo_result("".join(f"{result.graph}\t{result.found}\n" for result in report.graphs))
    for result in report.graphs:
        click.echo(result.summary(), err=True)
    click.echo(
        f"loaded {report.triples:,} triples in {len(report.graphs)} graph(s) into {store} "
        f"in {report.seconds:.2f} s ({report.verify_seconds:.2f} s of it verifying)",
        err=True,
    )


def _progress_display(live: bool):
    """A load's progress on stderr: a line that updates on a terminal, else a line per step."""

    def show(p) -> None:
        step = f"[{p.index}/{p.total}] {p.graph}"
        if p.phase == "upload" and live:
            percent = 100 * p.sent // p.size if p.size else 100
            click.echo(f"\r{step}: {percent:3d}% of {p.size / 1024:.0f} KiB", nl=False, err=True)
            if p.sent == p.size:
                click.echo(", sent; the store is loading it", err=True)
        elif p.phase == "upload" and p.sent == 0:
            click.echo(f"{step}: sending {p.size / 1024:.0f} KiB", err=True)
        elif p.phase == "retry":
            click.echo(f"{'' if not live else chr(10)}{p.graph}: {p.message}", err=True)
        elif p.phase in ("verify", "count"):
            doing = "reading back" if p.phase == "verify" else "counting"
            click.echo(f"{step}: {doing} what the store holds", err=True)

    return show


@cli.command()
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder to write the site into, replaced atomically; only an empty folder or one "
    "guian-kg wrote (its manifest proves it) is replaced.",
)
@click.option(
    "--base",
    help=f"Base IRI of every identifier  [default: {DEFAULT_BASE}; with --dist, its own]",
)
@click.option(
    "--target",
    help="URL where the site will be served (http(s), ending in /): the rules' path, the "
    "sitemap, and the w3id.org rules that send the IRIs there.",
)
@click.option(
    "--dist",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Write the site of a folder written by `guian-kg build` instead of loading the sources.",
)
@reports_errors
def site(out: Path, base: str | None, target: str | None, dist: Path | None) -> None:
    """Write the graph as a static linked-data site, with the rules that make its IRIs work.

    Every thing under {base}id/ gets its documents (HTML in zh and en, Turtle, N-Triples,
    JSON-LD, RDF/XML) at the paths `guian-kg serve` uses, with the home page, the ontology,
    VoID, the examples with their results, the dumps, a sitemap, an Apache .htaccess (303s and
    content negotiation as `serve` answers), nginx's two includes and, with --target, the .htaccess
    for w3id.org. A rebuild rewrites only the files whose bytes changed.

    Example: guian-kg site --out site --dist dist --target https://kg.example.org/
    """
    from .errors import InputError
    from .server.site import load_site
    from .static_site import publish_site, thing_count

    if target is not None and not (
        target.startswith(("http://", "https://")) and target.endswith("/")
    ):
        raise InputError(f"--target must be an absolute http(s) URL ending in '/': {target!r}")
    source = dist
    if source is None:
        from .build import load

        source = load()
    with Progress(sys.stderr) as progress:
        progress.step(f"writing the site into {out}")
        published = publish_site(load_site(source, base), out, target)
    names = published.names
    # The folder, then the rules to install or propose (the pages are listed in sitemap.xml).
    rules = [name for name in names if name == ".htaccess" or name.startswith("rules/")]
    _echo_result("".join(f"{path}\n" for path in [out, *(out / name for name in rules)]))
    for warning in published.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"wrote the site of {thing_count(names)} things into {out}: {len(names)} files, "
        f"{published.written} written, {len(names) - published.written} unchanged",
        err=True,
    )


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (loopback by default).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--base",
    metavar="IRI",
    help="Base of the published IRIs, which the endpoint answers in (as `build --base`); "
    "with --dist, the base DIR was built with  [default: https://w3id.org/guian-kg/, or DIR's]",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds a SPARQL query may run before it is stopped (HTTP 503).",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Most rows or triples a query may return; more is an error (HTTP 422).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1024),
    default=16 * 1024 * 1024,
    show_default=True,
    help="Most bytes a query result may have; more is an error (HTTP 422).",
)
@click.option(
    "--dist",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Serve a folder written by `guian-kg build` instead of loading the sources.",
)
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Query worker processes  [default: CPUs, 2 to 4]"
)
@reports_errors
def serve(
    host: str,
    port: int,
    base: str | None,
    timeout: float,
    max_rows: int,
    max_bytes: int,
    dist: Path | None,
    workers: int | None,
) -> None:
    """Publish the graph as linked data: IRIs that dereference, HTML pages, dumps, a SPARQL endpoint.

    The endpoint answers in the published IRIs (https://w3id.org/guian-kg/id/… by default); the
    path of an IRI under the base is its path on this server (/id/place/guian-new-area), and pages
    link there. With --dist the graph is read from an on-disk store made once from
    DIR/guian-kg.nq in the cache. The endpoint is read-only; see README "Serving the graph" for
    its limits and error codes.

    Example: guian-kg serve --dist dist --port 8000
    """
    from .server.app import create_app, local_url, open_socket, run

    sock = open_socket(host, port)
    if _sandboxed(click.get_current_context()):
        _deny_network()  # the socket is open: the server needs no other, and its workers none
    url = local_url(sock)
    source = dist
    if source is None:
        from .build import load  # the build (rdflib, pySHACL): only to build the graph here

        source = load()
    app = create_app(
        source,
        base=base,
        timeout=timeout,
        max_rows=max_rows,
        workers=workers,
        max_bytes=max_bytes,
    )
    click.echo(
        f"serving {url} (SPARQL endpoint {url}sparql, IRIs under "
        f"{app.state.server.site.base}); Ctrl-C stops",
        err=True,
    )
    run(app, sock)
