"""Every sentence the API says to a person or a partner system, in Chinese and in English.

This package owns the message catalog: one TOML file per language beside this module
(``en.toml``, ``zh-CN.toml``), each a table of sections of templates, ``[battery]``
``not_found = "There is no battery {code} ..."``, whose ``{name}`` fields are filled as
``str.format`` fills them (``{count:,}`` groups digits, ``{value!r}`` quotes). A message is
named where a problem is found, ``t("battery.not_found", code=code)``, and said in the caller's
language only where the answer leaves the API, ``render(message, language)``.

A `Message` is a ``str`` whose value is its English rendering, so everything that stores,
compares, logs or joins messages as text keeps working; it also carries its key and parameters,
which is all `render` needs to say it again in Chinese. A parameter that is itself a `Message`
(a phrase such as "supplied to an automaker") is said in the same language as the sentence
around it. Values the data holds in both languages (`both`) and lists of phrases (`listing`)
are messages too. Codes, field names, identifiers, dates and numbers are parameters: they read
the same in every language.

Choosing the language of a request (`negotiate`) reads the ``Accept-Language`` header; the
default when it asks for neither language is the caller's to set (graph/context.py).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from compliance.data_files import convert

CHINESE = "zh-CN"
ENGLISH = "en"
LANGUAGES = (CHINESE, ENGLISH)
# How a list of phrases is joined: Chinese lists with the enumeration comma (顿号).
_SEPARATORS = {CHINESE: "、", ENGLISH: ", "}
# An Accept-Language header names a few languages; a longer one is read no further.
_MAX_RANGES = 20
_HERE = Path(__file__).parent


class Message(str):
    """A catalog message: as a ``str``, its English rendering; `in_language` says it in any
    catalog language from its `key` and `params`."""

    key: str
    params: Mapping[str, object]

    def __new__(cls, key: str, params: Mapping[str, object] | None = None) -> Message:
        params = dict(params or {})
        message = super().__new__(cls, cls._said(key, params, ENGLISH))
        message.key, message.params = key, params
        return message

    @staticmethod
    def _said(key: str, params: Mapping[str, object], language: str) -> str:
        return _template(key, language).format_map(_rendered(params, language))

    def in_language(self, language: str) -> str:
        return self._said(self.key, self.params, language)

    def __reduce__(self) -> tuple[type[Message], tuple[str, Mapping[str, object]]]:
        # Copied or pickled, a message stays a message (a str would be rebuilt from its text).
        return type(self), (self.key, self.params)


class _Both(Message):
    """A value the data itself holds in each language (a product type's name)."""

    @staticmethod
    def _said(key: str, params: Mapping[str, object], language: str) -> str:
        return str(params.get(language, params[ENGLISH]))


class _Listing(Message):
    """Phrases one after another, each said in the list's language."""

    @staticmethod
    def _said(key: str, params: Mapping[str, object], language: str) -> str:
        items = params["items"]
        assert isinstance(items, tuple)
        return _SEPARATORS.get(language, ", ").join(render(item, language) for item in items)


def t(key: str, /, **params: object) -> Message:
    """The catalog message `key` ("section.name") with its fields filled from `params`; a
    `KeyError` for a key the English catalog does not have."""
    return Message(key, params)


def phrase(text: str, **params: object) -> str:
    """`text` as its catalog message (filled from `params`) when it is a key ("what.vin"), else
    as it is: where code names a thing by key, the thing is said in the caller's language."""
    return t(text, **params) if text in catalog(ENGLISH) else text


def both(english: str, chinese: str) -> Message:
    """A value the data names in both languages, said in each as the data says it."""
    return _Both("", {ENGLISH: english, CHINESE: chinese})


def listing(items: Sequence[str]) -> Message:
    """Phrases (messages or values) joined as a list is written: ``a, b`` or ``a、b``."""
    return _Listing("", {"items": tuple(items)})


def too_long(what: str, length: int, limit: int) -> Message:
    """A text over its length limit, `what` being the key of what it is ("what.name"): the one
    sentence every maximum length says, counted in characters, so that a Chinese character
    counts as one, like a Latin letter."""
    return t("text.too_long", what=phrase(what), length=length, limit=limit)


def message_of(error: BaseException) -> str:
    """The message `error` was raised with: a catalog message as it is (``str(error)`` would
    be its English text only)."""
    said = error.args[0] if error.args else None
    return said if isinstance(said, Message) else str(error)


def render(message: str, language: str) -> str:
    """`message` in `language`: a catalog message said in it, any other text as it is."""
    if isinstance(message, Message):
        return message.in_language(language)
    return str(message)


def negotiate(accept_language: str | None, default: str) -> str:
    """The catalog language an ``Accept-Language`` header prefers (RFC 9110: the highest
    q-value first, then the order sent): any ``zh`` tag (``zh``, ``zh-CN``, ``zh-Hans``,
    ``zh-TW``) reads Chinese, any ``en`` tag English; `default` when it names neither first,
    or says ``*``, or is absent."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")[:_MAX_RANGES]):
        tag, *parameters = item.split(";")
        quality = _quality(parameters)
        if tag.strip() and quality > 0:
            ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        primary = tag.split("-")[0]
        if primary == "zh":
            return CHINESE
        if primary == "en":
            return ENGLISH
        if tag == "*":
            return default
    return default


def _quality(parameters: Sequence[str]) -> float:
    """A range's q-value: 1 unless given; 0 (not acceptable) when it cannot be read."""
    for parameter in parameters:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def _rendered(params: Mapping[str, object], language: str) -> dict[str, object]:
    return {
        name: value.in_language(language) if isinstance(value, Message) else value
        for name, value in params.items()
    }


def _template(key: str, language: str) -> str:
    """The template of `key` in `language`, or the English one where a language lacks it (a
    test holds the catalogs to the same keys; a deployment never answers with a KeyError)."""
    found = catalog(language).get(key)
    return found if found is not None else catalog(ENGLISH)[key]


# A catalog file: sections of templates, and within a section, subsections of related words
# (``[code.label]``); a key names its section, subsection and template: "code.label.vin".
_Section = dict[str, str | dict[str, str]]


@cache
def catalog(language: str) -> Mapping[str, str]:
    """Every template of `language` by key, read once from its file."""
    name = f"{language}.toml"
    document = tomllib.loads((_HERE / name).read_text(encoding="utf-8"))
    sections = convert(document, dict[str, _Section], where=f"compliance/messages/{name}")
    templates: dict[str, str] = {}
    for section, entries in sections.items():
        for key, entry in entries.items():
            if isinstance(entry, str):
                templates[f"{section}.{key}"] = entry
            else:
                templates.update({f"{section}.{key}.{word}": text for word, text in entry.items()})
    return templates


def fields_of(template: str) -> frozenset[str]:
    """The names a template fills (``{count:,}`` fills ``count``)."""
    return frozenset(
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    )
