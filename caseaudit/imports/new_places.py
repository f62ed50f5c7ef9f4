"""New teams and service areas named by a staff list, and the agreement to create them.

A staff list finds service areas and teams by name. A name that is not known yet is a new team
only when someone says so, having seen it: otherwise it is refused as a likely typo, with the
nearest existing names. Two ways to say so:

- on the page, the box "Create these teams and service areas", shown with the names once a check
  or an import of the file has found them. Its value is a signed token naming the file (its
  SHA-256), the person, and the names: it counts only for that file, that person and those
  names, so a changed file (or a name the person has not seen) needs a new tick;
- on the command line, `import_org --allow-new-teams` (any new names; the output names them).

The names are kept on the import run, with who allowed them (`ImportRun.new_places_allowed_by`).
"""

import hashlib
from dataclasses import dataclass

from django.core import signing

from caseaudit.core.typing import Actor, By

from .parsers.common import name_key

SALT = "caseaudit.imports.new-places"


def file_digest(data: bytes) -> str:
    """The SHA-256 of a file, as the agreement and the run record name it."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class NewPlaces:
    """Service areas and teams (team, its service area) a staff list names that do not exist."""

    service_areas: tuple[str, ...] = ()
    teams: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.service_areas or self.teams)

    @classmethod
    def from_lists(cls, *, service_areas, teams) -> "NewPlaces":
        """From stored lists (a run's JSON, a token): `teams` as [team, service area] pairs."""
        return cls(
            service_areas=tuple(str(name) for name in service_areas or ()),
            teams=tuple((str(team), str(area)) for team, area in teams or ()),
        )

    @property
    def team_labels(self) -> list[str]:
        return [team_label(team, area) for team, area in self.teams]

    def lines(self, *, dry_run: bool) -> list[str]:
        """What the command line prints: "New teams: Duty (service area North)"."""
        verb = "Would create new" if dry_run else "New"
        lines = []
        if self.service_areas:
            lines.append(f"{verb} service areas: " + ", ".join(self.service_areas))
        if self.teams:
            lines.append(f"{verb} teams: " + ", ".join(self.team_labels))
        return lines

    def describe(self) -> str:
        """The names in one line, for a command's hint."""
        parts = []
        if self.service_areas:
            parts.append("service areas " + ", ".join(self.service_areas))
        if self.teams:
            parts.append("teams " + ", ".join(self.team_labels))
        return "; ".join(parts)


def team_label(team: str, area: str) -> str:
    return f"{team} (service area {area})"


@dataclass(frozen=True)
class Agreement:
    """Which new service areas and teams an import may create: any (`--allow-new-teams`),
    those one person agreed to for one file (the page's tick), or none. `tick_not_counted`: a
    tick was given, but for another file, another person, or not for every name found."""

    any: bool = False
    places: NewPlaces = NewPlaces()
    tick_given: bool = False
    tick_counted: bool = False

    def allows_area(self, name: str) -> bool:
        return self.any or name_key(name) in {name_key(a) for a in self.places.service_areas}

    def allows_team(self, team: str, area: str) -> bool:
        return self.any or (name_key(area), name_key(team)) in {
            (name_key(a), name_key(t)) for t, a in self.places.teams
        }

    def covers(self, places: NewPlaces) -> bool:
        return all(self.allows_area(a) for a in places.service_areas) and all(
            self.allows_team(t, a) for t, a in places.teams
        )


NOTHING = Agreement()
ANY = Agreement(any=True)


def _person(by: By | Actor) -> int | None:
    return by.pk if by is not None and by.is_authenticated else None


def new_places_token(*, places: NewPlaces, digest: str, by: By | Actor) -> str:
    """The value of the "Create these teams and service areas" box for `places` in the file
    whose SHA-256 is `digest`, ticked by `by`."""
    payload = {
        "file": digest,
        "by": _person(by),
        "areas": list(places.service_areas),
        "teams": [list(pair) for pair in places.teams],
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def _read(token: str, by: By | Actor) -> dict | None:
    if not token:
        return None
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("by") != _person(by):
        return None
    return payload


def new_places_in_token(*, token: str, by: By | Actor) -> NewPlaces | None:
    """The names a tick given by `by` agreed to (None for a token that is not theirs)."""
    payload = _read(token, by)
    if payload is None:
        return None
    return NewPlaces.from_lists(service_areas=payload.get("areas"), teams=payload.get("teams"))


def new_places_agreement(*, token: str, digest: str, by: By | Actor) -> Agreement:
    """What the page's tick allows: the names it was given for, when it was given by `by` for
    this very file; nothing otherwise."""
    if not token:
        return NOTHING
    payload = _read(token, by)
    if payload is None or not digest or payload.get("file") != digest:
        return Agreement(tick_given=True)
    places = NewPlaces.from_lists(service_areas=payload.get("areas"), teams=payload.get("teams"))
    return Agreement(places=places, tick_given=True, tick_counted=True)
