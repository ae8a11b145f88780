"""The reminder digest email: what a compliance contact reads about their due and overdue duties.

This module owns turning one sweep's digest for one contact (`Digest`) into the email's subject,
plain-text part and HTML part (`render_digest`). The layout is in Jinja2 templates and every
word is in a message catalogue, both packaged beside this module in ``templates/`` and read once
on first use; this module decides what is said (order, counts, the phrase for each stage) and
guarantees that the same digest always renders to the same bytes.

The body is complete in both languages, the contact's first, so that anyone the email is
forwarded to can read it. Items are ordered by urgency: overdue (most overdue first), due today,
then by due date.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import cache
from importlib import resources
from typing import Final
from urllib.parse import urlsplit

import jinja2
from msgspec import Struct

from compliance.regions import lookup
from compliance.reminders import Stage
from compliance.rules import SubjectKind

__all__ = ["Digest", "DigestItem", "RenderedEmail", "render_digest", "supported_languages"]

_TEMPLATE_PACKAGE: Final = "compliance"
_TEMPLATE_DIR: Final = "templates"
_CATALOGUE: Final = "messages.toml"
_HTML_TEMPLATE: Final = "digest.html"
_TEXT_TEMPLATE: Final = "digest.txt"

# Plain-text mail is read in terminals and narrow clients; 78 columns leaves room for quoting.
TEXT_WIDTH: Final = 78

# The stage kinds of compliance.reminders, in the order the digest lists them.
_URGENCY: Final = {"OVERDUE": 0, "DUE": 1, "BEFORE": 2}

# The rule name is carried by the item in both languages; which one a section shows.
_RULE_NAME: Final[Mapping[str, Callable[[DigestItem], str]]] = {
    "zh-CN": lambda item: item.rule_name_zh,
    "en": lambda item: item.rule_name_en,
}


class DigestItem(Struct, frozen=True):
    """One obligation in a digest, at the reminder stage the sweep found it in."""

    obligation_id: str
    rule_id: str
    rule_name_zh: str
    rule_name_en: str
    subject_kind: str  # a compliance.rules.SubjectKind value
    subject_id: str  # VIN, battery code, model code, region code, or "<spec>/<automaker USCC>"
    due_date: date
    provisional: bool  # the deadline depends on a year whose holidays are not announced yet
    stage: Stage
    link: str  # absolute URL to the obligation


class Digest(Struct, frozen=True):
    """Everything one contact of one enterprise is reminded of by one sweep."""

    enterprise_id: str
    enterprise_name: str
    recipient: str  # email address
    language: str  # the contact's language: "zh-CN" or "en"
    sweep_date: date
    items: tuple[DigestItem, ...]
    part: int = 1  # a day's reminders for one contact may come in several digests
    parts: int = 1


class RenderedEmail(Struct, frozen=True):
    subject: str
    text: str
    html: str


# --- The message catalogue ----------------------------------------------------------------------

_Entry = str | tuple[str, ...] | Mapping[str, str]


class _Messages(Struct, frozen=True):
    """One language of the catalogue; calling it formats a message."""

    language: str
    entries: Mapping[str, _Entry]

    def __call__(self, key: str, /, n: int | None = None, **params: object) -> str:
        entry = self.entries[key]
        if isinstance(entry, str):
            pattern = entry
        elif isinstance(entry, tuple):
            raise TypeError(f"message {key!r} is a list, not a sentence")
        elif n is None:
            raise TypeError(f"message {key!r} depends on a count: pass n")
        else:
            pattern = entry["one"] if n == 1 and "one" in entry else entry["other"]
        return pattern.format(n=n, **params) if n is not None else pattern.format(**params)

    def weekday(self, day: date) -> str:
        names = self.entries["weekdays"]
        assert isinstance(names, tuple)  # checked when the catalogue is read
        return names[day.weekday()]

    def date(self, day: date) -> str:
        """The date as ISO 8601 with its weekday: unambiguous in both languages."""
        return self("date_with_weekday", date=day.isoformat(), weekday=self.weekday(day))


def _entry(value: object, where: str) -> _Entry:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(str(v) for v in value)
    if (
        isinstance(value, dict)
        and "other" in value
        and set(value) <= {"one", "other"}
        and all(isinstance(v, str) for v in value.values())
    ):
        return {str(k): str(v) for k, v in value.items()}
    raise ValueError(
        f"{where}: a message is a string, a list of strings, or a table with 'other' "
        "(and optionally 'one')"
    )


def _parse_catalogue(text: str) -> dict[str, _Messages]:
    document = tomllib.loads(text)
    catalogue: dict[str, _Messages] = {}
    for language, table in document.items():
        if not isinstance(table, dict):
            raise ValueError(f"{_CATALOGUE}: [{language}] is not a table of messages")
        entries = {
            key: _entry(value, f"{_CATALOGUE} [{language}] {key}") for key, value in table.items()
        }
        weekdays = entries.get("weekdays")
        if not isinstance(weekdays, tuple) or len(weekdays) != 7:
            raise ValueError(f"{_CATALOGUE} [{language}]: weekdays needs 7 names, Monday first")
        catalogue[language] = _Messages(language, entries)
    if set(catalogue) != set(_RULE_NAME):
        raise ValueError(
            f"{_CATALOGUE} has languages {sorted(catalogue)}; the digest is written in "
            f"{sorted(_RULE_NAME)}"
        )
    keys = {language: set(messages.entries) for language, messages in catalogue.items()}
    every = set().union(*keys.values())
    for language, present in keys.items():
        if missing := sorted(every - present):
            raise ValueError(f"{_CATALOGUE} [{language}] lacks {', '.join(missing)}")
    return catalogue


# --- Packaged templates, read once -------------------------------------------------------------


class _Resources(Struct, frozen=True):
    catalogue: Mapping[str, _Messages]
    html: jinja2.Template
    text: jinja2.Template


@cache
def _resources() -> _Resources:
    folder = resources.files(_TEMPLATE_PACKAGE).joinpath(_TEMPLATE_DIR)
    sources = {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.is_file() and not entry.name.startswith(".")
    }
    environment = jinja2.Environment(
        loader=jinja2.DictLoader(sources),
        # HTML templates escape every value; the plain-text part must not.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        # A misspelt variable must fail a test, not send an email with a hole in it.
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    environment.filters["wrap"] = wrap
    environment.filters["field"] = field
    return _Resources(
        catalogue=_parse_catalogue(sources[_CATALOGUE]),
        html=environment.get_template(_HTML_TEMPLATE),
        text=environment.get_template(_TEXT_TEMPLATE),
    )


def supported_languages() -> tuple[str, ...]:
    """The languages a digest can be addressed in, in catalogue order."""
    return tuple(_resources().catalogue)


# --- Plain-text wrapping ------------------------------------------------------------------------

# No line may start with closing punctuation or end with opening punctuation (line-breaking
# rules of Chinese typesetting, applied to ASCII brackets too).
_OPENING: Final = frozenset("（《「『【〔([{“‘")
_CLOSING: Final = frozenset("，。、；：！？）》」』】〕)]},.;:!?”’%")


def _width(text: str) -> int:
    """Columns the text takes in a monospaced terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _atoms(text: str) -> list[tuple[str, bool]]:
    """Split text into pieces a line may break between, each with whether a space precedes it.

    Latin words are kept whole; between Chinese characters a line may break anywhere.
    """
    atoms: list[tuple[str, bool]] = []
    space = False
    for char in text:
        if char.isspace():
            space = bool(atoms)
            continue
        if atoms and not space:
            last = atoms[-1][0]
            narrow = _width(char) == 1 and _width(last[-1]) == 1
            if char in _CLOSING or last[-1] in _OPENING or narrow:
                atoms[-1] = (last + char, atoms[-1][1])
                continue
        atoms.append((char, space))
        space = False
    return atoms


def wrap(text: str, indent: str = "", hanging: str | None = None, width: int = TEXT_WIDTH) -> str:
    """Fill `text` into lines of at most `width` columns, the first prefixed with `indent`, the
    others with `hanging` (default: `indent`). A piece longer than a line (a URL) is never
    broken: it stands on a line of its own."""
    rest = indent if hanging is None else hanging
    lines: list[str] = []
    line, used, prefix = "", 0, indent
    for atom, spaced in _atoms(text):
        separator = " " if spaced and line else ""
        size = _width(atom)
        if line and _width(prefix) + used + len(separator) + size > width:
            lines.append(prefix + line)
            line, used, prefix = atom, size, rest
        else:
            line, used = line + separator + atom, used + len(separator) + size
    lines.append(prefix + line)
    return "\n".join(lines)


def field(value: str, label: str, indent: str = "") -> str:
    """`label` then `value`, wrapped so that continuation lines align under the value."""
    return wrap(label + value, indent, indent + " " * _width(label))


# --- The digest ---------------------------------------------------------------------------------


class _ItemView(Struct, frozen=True):
    """One item as a section shows it: every phrase already in the section's language."""

    urgency: str  # "overdue", "due" or "before": how the templates style it
    state: str
    subject: str
    rule_name: str
    due: str
    provisional: bool
    link: str


class _Section(Struct, frozen=True):
    language: str
    m: _Messages
    intro: str
    summary: str
    items: tuple[_ItemView, ...]


def _urgency_key(item: DigestItem) -> tuple[int, int, date, int, str, str, str, str]:
    # Every field takes part so that the order never depends on the order items arrive in.
    stage = item.stage
    return (
        _URGENCY[stage.kind],
        -stage.days_overdue,
        item.due_date,
        stage.working_days_left,
        item.rule_id,
        item.subject_kind,
        item.subject_id,
        item.obligation_id,
    )


def _check_item(item: DigestItem, sweep_date: date) -> None:
    stage = item.stage
    where = f"obligation {item.obligation_id}"
    if stage.kind not in _URGENCY:
        raise ValueError(f"{where}: stage kind {stage.kind!r} is not one of {', '.join(_URGENCY)}")
    # The email states these numbers as facts, so they must agree with each other and with the
    # dates as compliance.reminders.stage_on defines them; a contradiction is a bug upstream.
    # (Before the due day 0 working days can be left: a due day that is not a working day.)
    late = (sweep_date - item.due_date).days
    consistent = {
        "OVERDUE": late >= 1 and stage.days_overdue == late and stage.working_days_left <= -1,
        "DUE": late == 0 and stage.days_overdue == 0 and stage.working_days_left == 0,
        "BEFORE": late <= -1 and stage.days_overdue == 0 and stage.working_days_left >= 0,
    }[stage.kind]
    if not consistent:
        raise ValueError(
            f"{where}: {stage} contradicts due date {item.due_date} on sweep date {sweep_date}"
        )
    try:
        SubjectKind(item.subject_kind)
    except ValueError:
        kinds = ", ".join(kind.value for kind in SubjectKind)
        raise ValueError(
            f"{where}: subject kind {item.subject_kind!r} is not one of {kinds}"
        ) from None
    link = urlsplit(item.link)
    if link.scheme not in ("https", "http") or not link.netloc:
        raise ValueError(f"{where}: link {item.link!r} is not an absolute http(s) URL")


def _subject(item: DigestItem, m: _Messages) -> str:
    kind = SubjectKind(item.subject_kind)
    if kind is SubjectKind.VEHICLE:
        return m("subject_vehicle", vin=item.subject_id)
    if kind is SubjectKind.BATTERY:
        return m("subject_battery", code=item.subject_id)
    if kind is SubjectKind.MODEL:
        return m("subject_model", code=item.subject_id)
    if kind is SubjectKind.BATTERY_SPEC:
        spec, slash, automaker = item.subject_id.rpartition("/")
        if not slash:
            return m("subject_battery_spec_alone", spec=item.subject_id)
        return m("subject_battery_spec", spec=spec, automaker=automaker)
    # Regions are named in Chinese in every section: it is how they are officially written.
    region = lookup(item.subject_id)
    if region is None:
        return m(f"subject_{kind.value}_code", code=item.subject_id)
    return m(f"subject_{kind.value}", name=region.name, code=region.code)


def _state(item: DigestItem, m: _Messages) -> str:
    stage = item.stage
    if stage.kind == "OVERDUE":
        return m(
            "state_overdue",
            days=m("days", n=stage.days_overdue),
            working_days=m("working_days", n=-stage.working_days_left),
        )
    if stage.kind == "DUE":
        return m("state_due_today")
    return m("state_before", working_days=m("working_days", n=stage.working_days_left))


def _summary(items: Sequence[DigestItem], m: _Messages) -> str:
    overdue = [item for item in items if item.stage.kind == "OVERDUE"]
    today = [item for item in items if item.stage.kind == "DUE"]
    before = [item for item in items if item.stage.kind == "BEFORE"]
    parts: list[str] = []
    if overdue:
        parts.append(m("count_overdue", n=len(overdue)))
    if today:
        parts.append(m("count_due_today", n=len(today)))
    if before:
        furthest = max(item.stage.working_days_left for item in before)
        within = m("within_working_days", n=furthest)
        parts.append(m("count_due_within", n=len(before), within=within))
    return m("summary_separator").join(parts)


def _section(digest: Digest, items: Sequence[DigestItem], m: _Messages) -> _Section:
    rule_name = _RULE_NAME[m.language]
    views = tuple(
        _ItemView(
            urgency=item.stage.kind.lower(),
            state=_state(item, m),
            subject=_subject(item, m),
            rule_name=rule_name(item),
            due=m.date(item.due_date),
            provisional=item.provisional,
            link=item.link,
        )
        for item in items
    )
    return _Section(
        language=m.language,
        m=m,
        intro=m(
            "intro",
            enterprise=digest.enterprise_name,
            enterprise_id=digest.enterprise_id,
            date=m.date(digest.sweep_date),
        ),
        summary=_summary(items, m),
        items=views,
    )


def _one_line(text: str) -> str:
    # A header is one line: a line break in a name must not start a new header.
    return " ".join(text.split())


def render_digest(digest: Digest) -> RenderedEmail:
    """The email for one digest: subject in the contact's language, body in both languages.

    Raises ValueError for a language the catalogue does not have (naming the supported ones), a
    digest without items (there is nothing to send), and an item whose stage contradicts
    itself, whose subject kind is unknown or whose link is not an absolute http(s) URL.
    """
    loaded = _resources()
    if digest.language not in loaded.catalogue:
        raise ValueError(
            f"language {digest.language!r} is not supported; the digest is written in "
            f"{', '.join(loaded.catalogue)}"
        )
    if not digest.items:
        raise ValueError(
            f"the digest for {digest.recipient} has no items: there is nothing to send"
        )
    for item in digest.items:
        _check_item(item, digest.sweep_date)
    items = sorted(digest.items, key=_urgency_key)
    order = [digest.language, *(lang for lang in loaded.catalogue if lang != digest.language)]
    sections = [_section(digest, items, loaded.catalogue[language]) for language in order]
    first = sections[0]
    subject = _one_line(
        first.m(
            "subject",
            summary=first.summary,
            enterprise=digest.enterprise_name,
            date=digest.sweep_date.isoformat(),
        )
    )
    if digest.parts > 1:
        subject += first.m("subject_part", part=digest.part, parts=digest.parts)
    context = {
        "subject": subject,
        "enterprise": digest.enterprise_name,
        "sections": sections,
        "width": TEXT_WIDTH,
    }
    return RenderedEmail(
        subject=subject,
        text=loaded.text.render(context),
        html=loaded.html.render(context),
    )
