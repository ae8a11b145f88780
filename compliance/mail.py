"""The reminder digest email: what a compliance contact reads about their open duties in a day.

This module owns turning one sweep's digest for one contact (`Digest`) into the email's subject,
plain-text part, HTML part and attached list (`render_digest`). The layout is in Jinja2
templates and every word is in a message catalogue, both packaged beside this module in
``templates/`` and read once on first use; this module decides what is said (order, counts,
grouping, the phrase for each stage) and guarantees that the same digest always renders to the
same bytes.

A contact gets one email a day however many items it holds (three or a hundred thousand), so
the body never lists them all:

- a summary by duty and status (overdue, due today, due soon, standing), one row per rule and
  status with its count, earliest due date and how many are provisional;
- the `DIGEST_CARDS_MAX` most urgent items one by one (overdue first, most overdue first, then
  due today, then by due date; standing duties, which have no due date, last in a group of
  their own);
- a CSV file with every item, always attached, so that officers can filter and sort the whole
  list in Excel or WPS.

The body is written in both languages, the contact's first, so that anyone the email is
forwarded to can read it. The cards are in the contact's language only (`HTML_MAX_BYTES` says
why), and so is the attachment.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from markupsafe import Markup, escape
from msgspec import Struct

from compliance.regions import lookup
from compliance.reminder_schedule import Stage
from compliance.rules import SubjectKind

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "DIGEST_CARDS_MAX",
    "HTML_MAX_BYTES",
    "Attachment",
    "Digest",
    "DigestItem",
    "RenderedEmail",
    "render_digest",
    "supported_languages",
]

_TEMPLATE_PACKAGE: Final = "compliance"
_TEMPLATE_DIR: Final = "templates"
_CATALOGUE: Final = "messages.toml"
_HTML_TEMPLATE: Final = "digest.html"
_TEXT_TEMPLATE: Final = "digest.txt"

# Plain-text mail is read in terminals and narrow clients; 78 columns leaves room for quoting.
TEXT_WIDTH: Final = 78

# The most items the body shows one by one; the attached list has them all.
DIGEST_CARDS_MAX: Final = 50

# Gmail clips a message whose HTML is larger than about 102 KB behind a "View entire message"
# link; the HTML part must stay below this for any number of items.
HTML_MAX_BYTES: Final = 100 * 1024

# The cards are shown in the contact's language only; the other language's section has the
# intro, the summary by duty and status, and a sentence pointing at the cards above and the
# attachment. Measured with 50 cards of the longest rule name (battery-maker retirement upload:
# 106 bytes in Chinese, 120 characters in English), the longest subject (a battery
# specification supplied to an automaker), every date provisional and on a make-up working day,
# 100-character links and all 22 summary rows of CN-MIIT-2023-DRAFT, cards in both languages
# came to 110 KB, and a realistic 36,000-item day to 82 KB: over or too close to the limit.
# With the cards once, the worst case is 68 KB (tests/unit/test_mail.py measures it). Dates,
# ids and links on a card read the same in either language, and the summary gives the
# other-language reader every duty and status in words.

# A subject shown on a card is cut to this many characters (the attachment has it whole), so
# that one unbounded id cannot push the cards of the contact's language past the budget.
_CARD_SUBJECT_MAX: Final = 120

# The stage kinds of compliance.reminder_schedule, in the order the digest lists them.
_URGENCY: Final = {"OVERDUE": 0, "DUE": 1, "BEFORE": 2, "STANDING": 3}
# The catalogue's word for each kind (status_*), and how the templates style it.
_STATUS: Final = {kind: kind.lower() for kind in _URGENCY}

# The rule name is carried by the item in both languages; which one a section shows.
_RULE_NAME: Final[Mapping[str, Callable[[DigestItem], str]]] = {
    "zh-CN": lambda item: item.rule_name_zh,
    "en": lambda item: item.rule_name_en,
}

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); a
# cell's text comes from user input (subject ids) or from rule-set files (duty names).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


class DigestItem(Struct, frozen=True):
    """One obligation in a digest, at the reminder stage the sweep found it in."""

    obligation_id: str
    rule_id: str
    rule_name_zh: str
    rule_name_en: str
    subject_kind: str  # a compliance.rules.SubjectKind value
    subject_id: str  # VIN, battery code, model code, region code, or "<spec>/<automaker USCC>"
    trigger_date: date  # the date of the event that created the duty
    due_date: date | None  # None for a standing duty (no due date)
    provisional: bool  # the deadline depends on a year whose holidays are not announced yet
    due_on_makeup_workday: bool  # the due date is a Saturday or Sunday that is a working day
    stage: Stage  # kind "OVERDUE", "DUE", "BEFORE" or "STANDING"
    link: str  # absolute URL to the obligation
    # How sure the rule behind the duty is: C confirmed, S one secondary source, A assumption.
    # The card says so for S and A, so that a reader weighs the deadline accordingly.
    confidence: str = "C"


class Digest(Struct, frozen=True):
    """Everything one contact of one enterprise is reminded of by one sweep."""

    enterprise_id: str  # the enterprise's USCC
    enterprise_name: str
    recipient: str  # email address
    language: str  # the contact's language: "zh-CN" or "en"
    sweep_date: date
    items: tuple[DigestItem, ...]  # any number


class Attachment(Struct, frozen=True):
    filename: str
    content_type: str  # e.g. "text/csv; charset=utf-8"
    data: bytes


class RenderedEmail(Struct, frozen=True):
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


# --- The message catalogue -----------------------------------------------------------------------

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

    def date(self, day: date, *, makeup_workday: bool = False) -> str:
        """The date as ISO 8601 with its weekday: unambiguous in both languages. A Saturday or
        Sunday that is a working day says so, or a reader would take it for a day off."""
        key = "date_with_weekday_makeup" if makeup_workday else "date_with_weekday"
        return self(key, date=day.isoformat(), weekday=self.weekday(day))

    def number(self, n: int) -> str:
        return self("number", n=n)


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


# --- Packaged templates, read once ---------------------------------------------------------------


class _Resources(Struct, frozen=True):
    catalogue: Mapping[str, _Messages]
    html: jinja2.Template
    text: jinja2.Template


@cache
def _resources() -> _Resources:
    # Imported on first render only: the sweep and gather tasks share this module's types and
    # never render, and the templates library is most of its import time.
    import jinja2

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
    environment.filters["dates_unbroken"] = _dates_unbroken
    return _Resources(
        catalogue=_parse_catalogue(sources[_CATALOGUE]),
        html=environment.get_template(_HTML_TEMPLATE),
        text=environment.get_template(_TEXT_TEMPLATE),
    )


def supported_languages() -> tuple[str, ...]:
    """The languages a digest can be addressed in, in catalogue order."""
    return tuple(_resources().catalogue)


# --- Plain-text wrapping -------------------------------------------------------------------------

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


_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _dates_unbroken(text: str) -> Markup:
    """HTML for `text` (escaped) in which no ISO date is broken at its hyphens across lines."""
    return Markup(
        _ISO_DATE.sub(
            lambda found: f'<span style="white-space:nowrap;">{found.group()}</span>',
            str(escape(text)),
        )
    )


# --- Checking and ordering items -----------------------------------------------------------------


def _urgency_key(item: DigestItem) -> tuple[int, int, date, int, date, str, str, str, str]:
    # Every field takes part so that the order never depends on the order items arrive in.
    # Standing duties (no due date) come after every dated one, the longest-standing first.
    stage = item.stage
    return (
        _URGENCY[stage.kind],
        -stage.days_overdue,
        date.max if item.due_date is None else item.due_date,
        stage.working_days_left,
        item.trigger_date,
        item.rule_id,
        item.subject_kind,
        item.subject_id,
        item.obligation_id,
    )


def _consistent(stage: Stage, due: date | None, sweep_date: date) -> bool:
    """The stage, the due date and the sweep date agree, as compliance.reminder_schedule
    defines them. (Before the due day 0 working days can be left: a due day that is not a
    working day.)"""
    if stage.kind == "STANDING":
        return due is None and stage.working_days_left == 0 and stage.days_overdue == 0
    if due is None:
        return False
    late = (sweep_date - due).days
    if stage.kind == "OVERDUE":
        return late >= 1 and stage.days_overdue == late and stage.working_days_left <= -1
    if stage.kind == "DUE":
        return late == 0 and stage.days_overdue == 0 and stage.working_days_left == 0
    return late <= -1 and stage.days_overdue == 0 and stage.working_days_left >= 0


_SUBJECT_KINDS: Final = frozenset(kind.value for kind in SubjectKind)


def _check_item(item: DigestItem, sweep_date: date) -> None:
    stage = item.stage
    where = f"obligation {item.obligation_id}"
    if stage.kind not in _URGENCY:
        raise ValueError(f"{where}: stage kind {stage.kind!r} is not one of {', '.join(_URGENCY)}")
    # The email states these facts, so they must agree with each other; a contradiction is a
    # bug upstream.
    if not _consistent(stage, item.due_date, sweep_date):
        raise ValueError(
            f"{where}: {stage} contradicts due date {item.due_date} on sweep date {sweep_date}"
        )
    if item.due_on_makeup_workday and (item.due_date is None or item.due_date.weekday() < 5):
        raise ValueError(
            f"{where}: due date {item.due_date} is said to be a make-up working day, which is "
            "a Saturday or Sunday"
        )
    if item.subject_kind not in _SUBJECT_KINDS:
        kinds = ", ".join(kind.value for kind in SubjectKind)
        raise ValueError(f"{where}: subject kind {item.subject_kind!r} is not one of {kinds}")
    link = urlsplit(item.link)
    if link.scheme not in ("https", "http") or not link.netloc:
        raise ValueError(f"{where}: link {item.link!r} is not an absolute http(s) URL")


# --- Phrases -------------------------------------------------------------------------------------


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
    if stage.kind == "STANDING":
        return m("state_standing", date=m.date(item.trigger_date))
    return m("state_before", working_days=m("working_days", n=stage.working_days_left))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Counting ------------------------------------------------------------------------------------


class _Row(Struct):
    """One (rule, status) of the summary; language-neutral until a section words it."""

    kind: str
    rule_id: str
    name_zh: str
    name_en: str
    count: int
    earliest: date | None  # the earliest due date; None for standing duties
    provisional: int


class _Totals(Struct, frozen=True):
    by_kind: Mapping[str, int]
    furthest_before: int  # the most working days left among items due soon
    rows: tuple[_Row, ...]  # most urgent first
    provisional: int


def _totals(items: Sequence[DigestItem]) -> _Totals:
    by_kind = dict.fromkeys(_URGENCY, 0)
    furthest = 0
    rows: dict[tuple[str, str, str, str], _Row] = {}
    provisional = 0
    for item in items:
        kind = item.stage.kind
        by_kind[kind] += 1
        if kind == "BEFORE":
            furthest = max(furthest, item.stage.working_days_left)
        # Rule ids may repeat across rule sets with other names: the names are part of the key.
        key = (kind, item.rule_id, item.rule_name_zh, item.rule_name_en)
        row = rows.get(key)
        if row is None:
            row = rows[key] = _Row(
                kind, item.rule_id, item.rule_name_zh, item.rule_name_en, 0, item.due_date, 0
            )
        row.count += 1
        if item.due_date is not None and row.earliest is not None:
            row.earliest = min(row.earliest, item.due_date)
        if item.provisional:
            row.provisional += 1
            provisional += 1
    ordered = sorted(
        rows.values(),
        key=lambda r: (
            _URGENCY[r.kind],
            r.earliest or date.max,
            r.rule_id,
            r.name_zh,
            r.name_en,
        ),
    )
    return _Totals(by_kind, furthest, tuple(ordered), provisional)


def _summary(totals: _Totals, m: _Messages) -> str:
    """The day in one sentence: the subject line and the first line of each section."""
    counts = totals.by_kind
    clauses: list[str] = []
    if counts["OVERDUE"]:
        clauses.append(m("count_overdue", n=counts["OVERDUE"], count=m.number(counts["OVERDUE"])))
    if counts["DUE"]:
        clauses.append(m("count_due_today", n=counts["DUE"], count=m.number(counts["DUE"])))
    if counts["BEFORE"]:
        # "另有…将在…内到期" reads naturally only after another clause.
        key = "count_due_within_more" if clauses else "count_due_within"
        within = m("within_working_days", n=totals.furthest_before)
        clauses.append(m(key, n=counts["BEFORE"], count=m.number(counts["BEFORE"]), within=within))
    if counts["STANDING"]:
        clauses.append(
            m("count_standing", n=counts["STANDING"], count=m.number(counts["STANDING"]))
        )
    if len(clauses) == 1:
        return clauses[0]
    return m("summary_separator").join(clauses[:-1]) + m("summary_last_separator") + clauses[-1]


# --- Sections as the templates see them ----------------------------------------------------------


class _Card(Struct, frozen=True):
    """One item as a section shows it: every phrase already in the section's language."""

    number: int
    urgency: str  # "overdue", "due", "before" or "standing": how the templates style it
    state: str
    subject: str
    rule_name: str
    basis: str  # how sure the rule is, for S and A rules; empty for confirmed ones
    due: str  # empty for a standing duty
    provisional: bool
    link: str


class _SummaryRow(Struct, frozen=True):
    duty: str
    count: str
    earliest: str  # empty for standing duties
    provisional: str  # empty when none is provisional
    text: str  # the row as one sentence, for the plain-text part


class _Group(Struct, frozen=True):
    urgency: str
    status: str
    rows: tuple[_SummaryRow, ...]


class _Section(Struct, frozen=True):
    language: str
    m: _Messages
    intro: str
    summary: str
    groups: tuple[_Group, ...]
    provisional: bool  # any item is provisional: the summary shows that column and the note
    cards_title: str
    cards: tuple[_Card, ...]  # dated items
    standing_cards: tuple[_Card, ...]
    closing: str  # how many more items the attachment has, or that it lists these
    all_shown: bool  # every item is a card
    cards_elsewhere: str  # when this section shows no cards: where they are
    show_cards: bool  # only the contact's language shows the cards


def _card(number: int, item: DigestItem, m: _Messages) -> _Card:
    return _Card(
        number=number,
        urgency=_STATUS[item.stage.kind],
        state=_state(item, m),
        subject=_clip(_subject(item, m), _CARD_SUBJECT_MAX),
        rule_name=_RULE_NAME[m.language](item),
        basis=m(f"basis_{item.confidence}") if item.confidence in ("S", "A") else "",
        due=""
        if item.due_date is None
        else m.date(item.due_date, makeup_workday=item.due_on_makeup_workday),
        provisional=item.provisional,
        link=item.link,
    )


def _group_rows(totals: _Totals, m: _Messages) -> tuple[_Group, ...]:
    groups: list[_Group] = []
    for kind, status in _STATUS.items():
        rows = []
        for row in totals.rows:
            if row.kind != kind:
                continue
            duty = row.name_zh if m.language == "zh-CN" else row.name_en
            earliest = "" if row.earliest is None else row.earliest.isoformat()
            sentence = m("summary_row", n=row.count, count=m.number(row.count))
            if earliest:
                sentence += m("summary_row_earliest", date=earliest)
            if row.provisional:
                sentence += m(
                    "summary_row_provisional", n=row.provisional, count=m.number(row.provisional)
                )
            rows.append(
                _SummaryRow(
                    duty=duty,
                    count=m.number(row.count),
                    earliest=earliest,
                    provisional=m.number(row.provisional) if row.provisional else "",
                    text=duty + m("label_separator") + sentence,
                )
            )
        if rows:
            title = m("standing_title") if kind == "STANDING" else m(f"status_{status}")
            groups.append(_Group(status, title, tuple(rows)))
    return tuple(groups)


def _section(
    digest: Digest,
    shown: Sequence[DigestItem],
    totals: _Totals,
    filename: str,
    m: _Messages,
    *,
    show_cards: bool,
) -> _Section:
    total = len(digest.items)
    cards = [_card(number, item, m) for number, item in enumerate(shown, 1)] if show_cards else []
    more = total - len(shown)
    if more:
        cards_title = m(
            "cards_title_most_urgent", shown=m.number(len(shown)), total=m.number(total)
        )
        closing = m(
            "more_items", n=more, count=m.number(more), total=m.number(total), file=filename
        )
    else:
        cards_title = m("cards_title_all")
        closing = m("attachment_lists_all", n=total, count=m.number(total), file=filename)
    return _Section(
        language=m.language,
        m=m,
        intro=m(
            "intro",
            enterprise=digest.enterprise_name,
            enterprise_id=digest.enterprise_id,
            date=m.date(digest.sweep_date),
        ),
        summary=_summary(totals, m),
        groups=_group_rows(totals, m),
        provisional=totals.provisional > 0,
        cards_title=cards_title,
        cards=tuple(card for card in cards if card.urgency != "standing"),
        standing_cards=tuple(card for card in cards if card.urgency == "standing"),
        closing=closing,
        all_shown=not more,
        cards_elsewhere=m("cards_elsewhere", file=filename),
        show_cards=show_cards,
    )


# --- The attachment ------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """A text cell that a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _attachment_name(digest: Digest) -> str:
    # Header-safe whatever the id holds: the file name goes into a MIME header.
    enterprise = re.sub(r"[^0-9A-Za-z]+", "_", digest.enterprise_id).strip("_") or "enterprise"
    return f"reminders-{enterprise}-{digest.sweep_date.isoformat()}.csv"


def _csv(items: Sequence[DigestItem], m: _Messages) -> bytes:
    """Every item, most urgent first, with the column names and words of the contact's language.

    UTF-8 with a byte-order mark and CRLF line ends: Excel and WPS then open it with the Chinese
    intact. Every text cell is guarded against formula injection; the working-days column holds
    numbers the renderer writes ("-3" is a number there, not a formula).
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            m("csv_subject"),
            m("csv_duty"),
            m("csv_trigger_date"),
            m("csv_due_date"),
            m("csv_status"),
            m("csv_working_days_left"),
            m("csv_provisional"),
            m("csv_link"),
        ]
    )
    status = {kind: m(f"status_{word}") for kind, word in _STATUS.items()}
    yes, no = m("csv_yes"), m("csv_no")
    rule_name = _RULE_NAME[m.language]
    writer.writerows(
        [
            _cell(_subject(item, m)),
            _cell(rule_name(item)),
            item.trigger_date.isoformat(),
            "" if item.due_date is None else item.due_date.isoformat(),
            status[item.stage.kind],
            "" if item.stage.kind == "STANDING" else str(item.stage.working_days_left),
            yes if item.provisional else no,
            _cell(item.link),
        ]
        for item in items
    )
    return buffer.getvalue().encode("utf-8")


# --- The email -----------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    # A header is one line: a line break in a name must not start a new header.
    return " ".join(text.split())


def render_digest(digest: Digest) -> RenderedEmail:
    """The email for one digest: subject in the contact's language, body in both languages (the
    cards in the contact's), and the complete list as a CSV attachment in the contact's
    language.

    Raises ValueError for a language the catalogue does not have (naming the supported ones), a
    digest without items (there is nothing to send), and an item whose stage contradicts its
    dates, whose subject kind is unknown or whose link is not an absolute http(s) URL.
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
    totals = _totals(items)
    filename = _attachment_name(digest)
    shown = items[:DIGEST_CARDS_MAX]
    order = [digest.language, *(lang for lang in loaded.catalogue if lang != digest.language)]
    sections = [
        _section(
            digest, shown, totals, filename, loaded.catalogue[language], show_cards=not position
        )
        for position, language in enumerate(order)
    ]
    first = sections[0]
    subject = _one_line(
        first.m(
            "subject",
            summary=first.summary,
            enterprise=digest.enterprise_name,
            date=digest.sweep_date.isoformat(),
        )
    )
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
        attachments=(
            Attachment(
                filename=filename,
                content_type="text/csv; charset=utf-8",
                data=_csv(items, first.m),
            ),
        ),
    )
