"""This app's rows of the access-control matrix (caseaudit/core/access_matrix.py explains the
personas and statuses; caseaudit/core/tests/test_access_matrix.py asks them).

The records: a self-evaluation pack of the whole authority prepared by Performance Assurance,
approved by the Director and published; a published pack of the South service (not the case's
service); and a draft of another authority pack.
- A published authority pack is read by the Children's Service Managers, Performance
  Assurance, administrators, the Assistant Directors and the Director; the South service's
  pack by all of them but the North CSM. Nobody else: practitioners, Practice Supervisors,
  Team Managers, Business Support and the Lead Member get 404.
- A draft is its author's side's (Performance Assurance, administrators) and its reviewer's:
  the others 404. A published pack is a fixed version: its readers get 403 on editing.
- Packs are prepared by Performance Assurance, administrators and a CSM (their service's).
"""

import datetime as dt

from django.utils import timezone

from caseaudit.core.access_matrix import GET, POST, E, Entry
from caseaudit.selfeval import services
from caseaudit.selfeval.models import PackScope

from .conftest import counted

PUBLISHED = {"pk": "@selfeval_pack.pk"}
SOUTH = {"pk": "@selfeval_south.pk"}
DRAFT = {"pk": "@selfeval_draft.pk"}
#                 own sup team svc col oth out perf adm aud bs  bso anon
READERS = "404 404 404 200 404 404 404 200 200 200 404 404 302"
SENIOR = "404 404 404 404 404 404 404 200 200 200 404 404 302"
PREPARERS = "404 404 404 200 404 404 404 200 200 404 404 404 302"
PERF_ADMIN = "404 404 404 404 404 404 404 200 200 404 404 404 302"
PERF_ADMIN_POST = "404 404 404 404 404 404 404 302 302 404 404 404 302"
PERF_ADMIN_403 = "404 404 404 404 404 404 404 403 403 404 404 404 302"
READERS_403 = "404 404 404 403 404 404 404 403 403 403 404 404 302"

# fmt: off
ENTRIES: tuple[Entry, ...] = (
    E("selfeval_index", GET, READERS,
      note="those who prepare, review or read packs: CSMs and the senior readers"),
    E("selfeval_new", GET, PREPARERS,
      note="Performance Assurance (and administrators) or a CSM (their own service's)"),
    E("selfeval_new", POST, PREPARERS, note="posted empty: the form again"),
    E("selfeval_pack", GET, READERS, PUBLISHED,
      note="the authority's published pack: every CSM and the senior readers"),
    E("selfeval_pack", GET, SENIOR, SOUTH, variant="south",
      note="a service's published pack: its own CSM (not the North's) and the senior readers"),
    E("selfeval_pack", GET, PERF_ADMIN, DRAFT, variant="draft",
      note="a draft: its author's side (Performance Assurance) and its reviewer"),
    E("selfeval_edit", GET, PERF_ADMIN, DRAFT),
    E("selfeval_edit", POST, PERF_ADMIN, DRAFT, note="posted empty: the form again"),
    E("selfeval_edit", GET, READERS_403, PUBLISHED, variant="published",
      note="a published pack is a fixed version"),
    E("selfeval_refresh", POST, PERF_ADMIN_POST, DRAFT,
      note="the author's side refreshes a draft's figures"),
    E("selfeval_refresh", POST, READERS_403, PUBLISHED, variant="published",
      note="never a published pack's"),
    E("selfeval_send_for_review", POST, PERF_ADMIN_POST, DRAFT,
      note="posted empty: no reviewer chosen, back to the pack with a message"),
    E("selfeval_review", POST, PERF_ADMIN_403, DRAFT,
      note="only the named reviewer of a pack in review"),
    E("selfeval_publish", POST, PERF_ADMIN_403, DRAFT, note="only once approved"),
    E("selfeval_pdf", GET, READERS, PUBLISHED),
    E("selfeval_pdf", GET, PERF_ADMIN.replace("200", "404"), DRAFT, variant="draft",
      note="a draft has no files"),
    E("selfeval_docx", GET, READERS, PUBLISHED),
    E("selfeval_docx", GET, PERF_ADMIN.replace("200", "404"), DRAFT, variant="draft",
      note="a draft has no files"),
)
# fmt: on


def _published(world, *, kind: str, service=None, title: str):
    today = timezone.localdate()
    with counted():  # the world is built in a transaction: run the figures' count now
        pack = services.pack_create(
            by=world.performance.user,
            title=title,
            scope_kind=kind,
            service=service,
            period_start=today - dt.timedelta(days=364),
            period_end=today,
        )
    pack.refresh_from_db()
    pack = services.pack_send_for_review(
        pack=pack, by=world.performance.user, reviewer=world.director
    )
    pack = services.pack_review(pack=pack, by=world.director.user, approve=True, comment="")
    return services.pack_publish(pack=pack, by=world.performance.user)


def add_to_world(world) -> None:
    """Add this app's records to the matrix's world (the `org` fixture's people and records,
    built once per test module), as attributes the entries' "@" paths name."""
    world.selfeval_pack = _published(world, kind=PackScope.AUTHORITY, title="Matrix pack")
    world.selfeval_south = _published(
        world, kind=PackScope.SERVICE, service=world.south, title="Matrix South pack"
    )
    today = timezone.localdate()
    with counted():
        world.selfeval_draft = services.pack_create(
            by=world.performance.user,
            title="Matrix draft pack",
            scope_kind=PackScope.AUTHORITY,
            service=None,
            period_start=today - dt.timedelta(days=364),
            period_end=today,
        )
    world.selfeval_draft.refresh_from_db()
