"""Shared fixtures: a small organisation and the personas every permission test uses.

The organisation (two services, three teams):
    Service "North": team "north-a" (TM, PS1, PS2, workers W1 (PS1), W2 (PS2)),
                     team "north-b" (TM, PS, worker)
    Service "South": team "south-a" (TM, PS, worker)
plus a CSM for North, and authority-wide, IRO and CP chair roles.
"""

import gc
import os
import pickle
from operator import attrgetter

import pytest

from caseaudit.cases.models import CaseType
from caseaudit.core.memory import tune_garbage_collector
from caseaudit.factories import CaseFactory, StaffFactory, TeamFactory
from caseaudit.organisation.models import Role
from caseaudit.responses import attachments

by_pk = attrgetter("pk")


class Org:
    """Named people and cases of the test organisation, as attributes."""


@pytest.fixture
def org(db):
    return build_org()


def build_org() -> Org:
    """The organisation of the `org` fixture (callable from a module-scoped fixture).

    The first one a test process builds is made with the factories (about 50 queries) and
    kept as a pattern; later ones are the same rows, with the same ids, written again with one
    prepared insert per table (`_org_again`): a test's rows are gone when its transaction is
    rolled back, so the ids are free again, and a sequence has already passed them. Each test
    still gets objects of its own (unpickled from the pattern), so what one test changes in
    them no other sees. Where the ids are taken (a second organisation in one test), the
    factories make a new one."""
    from django.db import connection

    pattern = _org_patterns.get(connection.alias)
    if pattern is not None:
        again = _org_again(pattern)
        if again is not None:
            return again
    o = _org_with_factories()
    if pattern is None:
        _org_patterns[connection.alias] = _OrgPattern(o, connection)
    return o


class _OrgPattern:
    """An organisation kept to be written again (read once, when it is made: what a test then
    changes in its objects is not kept): its objects pickled, and for each table the
    INSERT statement and its rows' values as the database takes them (prepared once, as
    `bulk_create` prepares them: 2.5 ms of CPU an organisation, against 0.8 ms this way). The
    values of `auto_now`/`auto_now_add` fields are made again at each insert, on the new
    objects, as `bulk_create` would (tests that stop the clock see their own moment)."""

    def __init__(self, org: Org, connection):
        from django.contrib.auth import get_user_model

        from caseaudit.cases.models import Case
        from caseaudit.organisation.models import ServiceArea, Staff, Team

        self.pickled = pickle.dumps(org, protocol=pickle.HIGHEST_PROTOCOL)
        by_model = _org_objects(org)
        quote = connection.ops.quote_name
        self.tables = []
        for model in (ServiceArea, Team, get_user_model(), Staff, Case):
            fields = list(model._meta.concrete_fields)
            sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 # nosec B608
                quote(model._meta.db_table),
                ", ".join(quote(f.column) for f in fields),
                ", ".join(["%s"] * len(fields)),
            )
            rows = [
                [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
                for obj in by_model.get(model, ())
            ]
            stamped = [
                (i, f)
                for i, f in enumerate(fields)
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            ]
            # Where the new objects whose fields are stamped are found: the organisation's
            # attributes naming them (walking the whole organisation took a third as long
            # as the inserts). Such objects (the cases) are the organisation's own attributes.
            names = [_name_of(org, obj) for obj in by_model.get(model, ())] if stamped else []
            self.tables.append((sql, rows, stamped, names))


def _name_of(org: Org, obj) -> str:
    for name, value in vars(org).items():
        if value is obj:
            return name
    raise AssertionError(f"{obj!r} with stamped fields is not an attribute of the organisation")


# The first organisation each database connection's process built (see `build_org`).
_org_patterns: dict[str, _OrgPattern] = {}


def _org_objects(org: Org) -> dict[type, list]:
    """The organisation's objects by model, each once, in the order of their ids."""
    rows: dict[type, dict[int, object]] = {}
    for value in vars(org).values():
        for obj in _with_related(value):
            rows.setdefault(type(obj), {})[obj.pk] = obj
    return {model: sorted(objs.values(), key=by_pk) for model, objs in rows.items()}


def _org_again(pattern: _OrgPattern) -> Org | None:
    """The pattern's rows inserted again with their own ids, as new objects; None (and
    nothing written) when one of those rows is there already."""
    from django.db import IntegrityError, connection, transaction

    o = pickle.loads(pattern.pickled)  # noqa: S301 # nosec B301  # the test process's own bytes
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, rows, stamped, names in pattern.tables:
                if stamped:
                    rows = [list(row) for row in rows]
                    for row, name in zip(rows, names, strict=True):
                        obj = getattr(o, name)
                        for i, field in stamped:
                            value = field.pre_save(obj, add=True)
                            row[i] = field.get_db_prep_save(value, connection)
                cursor.executemany(sql, rows)
    except IntegrityError:
        return None
    return o


def _with_related(obj) -> list:
    """`obj` and the organisation's objects it holds (a team's service, a person's user)."""
    found = [obj]
    for name in ("service_area", "user", "team", "allocated_worker"):
        related = obj._state.fields_cache.get(name)
        if related is not None:
            found += _with_related(related)
    return found


def _org_with_factories() -> Org:
    o = Org()
    o.north_a = TeamFactory(
        code="north-a", name="North A", service_area__code="north", service_area__name="North"
    )
    o.north = o.north_a.service_area
    o.north_b = TeamFactory(code="north-b", name="North B", service_area=o.north)
    o.south_a = TeamFactory(
        code="south-a", name="South A", service_area__code="south", service_area__name="South"
    )
    o.south = o.south_a.service_area

    o.director = StaffFactory(role=Role.DIRECTOR, team=None)
    o.csm_north = StaffFactory(role=Role.SERVICE_MANAGER, team=None, service_area=o.north)
    o.tm = StaffFactory(role=Role.TEAM_MANAGER, team=o.north_a, line_manager=o.csm_north)
    o.ps1 = StaffFactory(role=Role.PRACTICE_SUPERVISOR, team=o.north_a, line_manager=o.tm)
    o.ps2 = StaffFactory(role=Role.PRACTICE_SUPERVISOR, team=o.north_a, line_manager=o.tm)
    o.worker = StaffFactory(role=Role.PRACTITIONER, team=o.north_a, line_manager=o.ps1)
    o.colleague = StaffFactory(role=Role.PRACTITIONER, team=o.north_a, line_manager=o.ps2)
    o.tm_b = StaffFactory(role=Role.TEAM_MANAGER, team=o.north_b, line_manager=o.csm_north)
    o.ps_b = StaffFactory(role=Role.PRACTICE_SUPERVISOR, team=o.north_b, line_manager=o.tm_b)
    o.worker_b = StaffFactory(role=Role.PRACTITIONER, team=o.north_b, line_manager=o.ps_b)
    o.tm_south = StaffFactory(role=Role.TEAM_MANAGER, team=o.south_a)
    o.ps_south = StaffFactory(
        role=Role.PRACTICE_SUPERVISOR, team=o.south_a, line_manager=o.tm_south
    )
    o.outsider = StaffFactory(role=Role.PRACTITIONER, team=o.south_a, line_manager=o.ps_south)
    o.performance = StaffFactory(role=Role.PERFORMANCE, team=None)
    o.iro = StaffFactory(role=Role.IRO, team=None)
    o.cp_chair = StaffFactory(role=Role.CP_CHAIR, team=None)
    o.business_support = StaffFactory(role=Role.BUSINESS_SUPPORT, team=o.north_a)

    # The worker's case (child in need), a colleague's looked-after case, a CP case in
    # team B and a case in the south.
    o.case = CaseFactory(team=o.north_a, allocated_worker=o.worker, case_type=CaseType.CIN)
    o.colleague_case = CaseFactory(
        team=o.north_a, allocated_worker=o.colleague, case_type=CaseType.CLA
    )
    o.case_b = CaseFactory(team=o.north_b, allocated_worker=o.worker_b, case_type=CaseType.CP)
    o.south_case = CaseFactory(team=o.south_a, allocated_worker=o.outsider, case_type=CaseType.CIN)
    return o


def copy_test_database(path, django_db_blocker) -> bool:
    """Copy this test process's SQLite database (migrated, as `migrate` makes it) to the file
    `path`, for tests of other processes that need a migrated database file: much quicker
    than migrating one again. False when the suite runs on another database (migrate then).
    Call it outside a test's transaction (from a module-scoped fixture)."""
    from sqlite3 import connect as sqlite_connect

    from django.db import connection

    if connection.vendor != "sqlite":
        return False
    with django_db_blocker.unblock():
        connection.ensure_connection()
        target = sqlite_connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    return True


# The audits app's PDF, as the emails attach it outside the tests.
REAL_PDF_FUNCTION = attachments._pdf_function


def stand_in_audit_pdf(audit) -> bytes:
    """What the emails that ask for a QA response attach in tests, instead of the audit's PDF."""
    return f"%PDF-1.7 audit {audit.pk}".encode()


@pytest.fixture(autouse=True)
def _emails_attach_a_stand_in_pdf(monkeypatch):
    """The emails of a completed audit (the worker's and their supervisor's) attach a
    stand-in PDF: WeasyPrint laid out the same audit twice for every completion of every
    test (about a second each, 3.6% of the CPU of the audits, responses, reports, programme
    and moderation tests). The real attachment is tested with `real_pdf`
    (caseaudit/responses/tests/test_services.py), the PDF itself in caseaudit/audits/tests."""
    monkeypatch.setattr(attachments, "_pdf_function", lambda: stand_in_audit_pdf)


def stand_in_write_pdf(self, *args, **kwargs) -> bytes:
    """WeasyPrint's `HTML.write_pdf` in tests about who gets a file, what is logged or the
    queries it takes: the document's HTML is still rendered from its template, but not laid
    out as a PDF (about a second a document). The documents' own tests make real ones."""
    return b"%PDF-1.7 stand-in"


@pytest.fixture
def pdfs_not_laid_out(monkeypatch):
    """`HTML.write_pdf` is `stand_in_write_pdf` for this test."""
    from weasyprint import HTML

    monkeypatch.setattr(HTML, "write_pdf", stand_in_write_pdf)


@pytest.fixture
def real_pdf(monkeypatch):
    """The emails attach the audits app's own PDF (`_emails_attach_a_stand_in_pdf` undone)."""
    monkeypatch.setattr(attachments, "_pdf_function", REAL_PDF_FUNCTION)


@pytest.fixture(autouse=True)
def _cache_emptied_after_each_test():
    """The cache (local memory, per test process) is emptied after each test: the `org`
    fixture gives every test the same ids (`build_org`), so what one test kept under a
    person's or a scope's key (a summary, a sign-in count) must not reach the next."""
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def login(client):
    """Sign a member of staff in: `login(org.worker)` returns the signed-in test client."""

    def _login(staff):
        client.force_login(staff.user)
        return client

    return _login


# Browser tests: Playwright's Python package driving Debian's Chromium (never a downloaded
# browser). Without Chromium they are skipped, unless REQUIRE_BROWSER=1 (CI) makes that a failure.
# Debian's chromium-headless-shell is preferred: the same Blink and V8 as `chromium`, without
# the desktop browser around them (what Playwright itself runs headless), it took the browser
# tests from 255 to 163 CPU seconds on two cores. `chromium` is used where only it is installed.
# V8 runs the pages' scripts and axe-core with its interpreter and baseline compiler only
# (--max-opt=1: no Maglev or TurboFan). Each test's pages live a few seconds in a new renderer,
# too short for the optimising compilers to pay for themselves: the browser tests' renderers
# took 51 CPU seconds against 62 (three runs each, 47 tests). The scripts behave the same.
# The network service runs inside the browser process, not a process of its own (one fewer
# process to pass every request and response through, about 2 CPU seconds).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--js-flags=--max-opt=1",
    "--enable-features=NetworkServiceInProcess2",
] + [a for a in os.environ.get("XARGS", "").split(" ") if a]


def chromium_path() -> str | None:
    import shutil

    return (
        os.environ.get("CHROMIUM")
        or shutil.which("chromium-headless-shell")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is not installed but REQUIRE_BROWSER=1")
        pytest.skip("Chromium is not installed (apt-get install chromium-headless-shell)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # beside it are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(browser, live_server):
    """A fresh browser page; `page.base_url` is the live server's address."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def browser_screenshot(page, name: str) -> None:
    """Keep a screenshot when BROWSER_ARTIFACTS names a folder (CI and local review)."""
    folder = os.environ.get("BROWSER_ARTIFACTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def browser_signed_in(page, staff, *, home: bool = True):
    """Signed in as `staff` without the sign-in page, on the home page (`home=False`: on no
    page yet, for a test whose next step opens another; the home page is the most costly page
    to serve and draw, and two thirds of the tests went straight past it): their session made
    as the test client's `force_login` makes it, its cookie given to the browser. For the tests
    of what comes after signing in; the sign-in page itself is used (`browser_sign_in`) by
    core/tests/test_browser_foundation.py and the timeout test. A third of the time of a
    sign-in through the page (0.4 s against 1.3 s)."""
    from django.test import Client

    client = Client()
    client.force_login(staff.user)
    page.context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": page.base_url}
            for name, morsel in client.cookies.items()
        ]
    )
    if home:
        page.goto(page.base_url + "/")


def browser_sign_in(page, staff, password="correct-horse-battery"):
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_login", staff.user.email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")


# The order of the test files, for `make test` (`pytest -n 2 --dist loadfile`, with
# --no-loadscope-reorder in pyproject.toml). The browser tests first: with Chromium beside
# it, a process running them uses more than one core, and the other process's browser tests
# fill what the idle-timeout test leaves (it mostly waits). Then the longest first, so that
# the two processes end together instead of one running a long file alone at the end. How
# long a file takes is guessed: a browser test or the API fuzzing about 8 s, another test
# 0.03 s, and these files (the longest of neither kind; seconds on a quiet machine) what
# they take.
SLOW_TEST_SECONDS = 8.0
TEST_SECONDS = 0.03
LONG_FILES = {
    "caseaudit/qa/tests/test_timeout_autosave.py": 37.0,  # waits for two real idle timeouts
    "caseaudit/api/tests/test_schemathesis.py": 20.0,
    "caseaudit/demo/tests/test_demo_command.py": 12.0,
    "caseaudit/imports/tests/test_sqlite_lock.py": 10.0,
    "caseaudit/accounts/tests/test_deploy_check.py": 8.0,
}


def _is_slow(item) -> bool:
    return bool(item.get_closest_marker("browser") or item.get_closest_marker("fuzz"))


# The test process's garbage collector is tuned as the serving process's is
# (caseaudit/core/memory.py). The objects that live as long as the test process (the modules,
# Django's models and URLs, the migrated schema's state) are moved out of its sight once they
# exist: otherwise each full collection walks them all again, for nothing (about 5% of the
# CPU time of the view tests, three runs each way). And its young generation is 10,000 objects,
# not 700: collecting the rows and pages a test makes every 700 allocations took 4.7 of the
# 107 CPU seconds of the audits, responses and reports tests, against 2.2 (time measured in
# the collector itself, with gc.callbacks). The collector still runs for what the tests make.
def pytest_collection_finish(session):
    tune_garbage_collector()


# No collection while the suite is collected: importing the test modules and making some
# 6,600 test items only adds objects that live for the whole run, and the full collections
# that walked them again and again took about half a CPU second of each test process's
# collection (`pytest --collect-only`, four runs each way: 2.4 to 2.9 s, 2.0 to 2.2 without).
# `tune_garbage_collector` then freezes them (above). In pytest-xdist's controlling process,
# which collects nothing, the collector is off for no time at all.
@pytest.hookimpl(wrapper=True)
def pytest_collection(session):
    gc.disable()
    try:
        return (yield)
    finally:
        gc.enable()


@pytest.fixture(scope="session")
def _migrated_test_db_kept():
    """While the test databases are made: an in-memory SQLite one is copied from the migrated
    database an earlier process or run kept, or migrated and kept (test_db_template.py)."""
    from caseaudit import test_db_template

    if not test_db_template.enabled():
        yield
        return
    uninstall = test_db_template.install()
    yield
    uninstall()


@pytest.fixture(scope="session")
def django_db_setup(_migrated_test_db_kept, django_db_setup):
    """pytest-django's (the kept migrated database copied in: `_migrated_test_db_kept`, asked
    for first), then the migrations' leftovers frozen as above."""
    gc.collect()
    gc.freeze()
    return django_db_setup


def pytest_collection_modifyitems(config, items):
    """Files with browser tests first, then the longest first (see above); the tests of a
    file keep their order."""
    seconds: dict[str, float] = {}
    browser: set[str] = set()
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        seconds[path] = seconds.get(path, 0.0) + (
            SLOW_TEST_SECONDS if _is_slow(item) else TEST_SECONDS
        )
        if item.get_closest_marker("browser"):
            browser.add(path)
    for path, guess in LONG_FILES.items():
        if path in seconds:
            seconds[path] = max(seconds[path], guess)
    first = {path: index for index, path in enumerate(seconds)}

    def key(item):
        path = item.nodeid.split("::", 1)[0]
        return (path not in browser, -seconds[path], first[path])

    items.sort(key=key)


@pytest.fixture(autouse=True)
def _fresh_working_day_cache():
    """Closure days are cached per process; a rolled-back test sends no delete signal."""
    from caseaudit.core import working_days

    working_days.clear_cache()
    yield
    working_days.clear_cache()
