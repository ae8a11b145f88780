"""The change feed's root query fields: `changes` and `changesCursor`.

A feed cursor is a place in one enterprise's feed, kept by a partner between polls for as long
as it likes: unlike list cursors it is not signed with the rotating cursor key (a rotation
would break every stored one), and it needs no secret, since it can only name a place in the
caller's own feed. It is refused when it is another enterprise's or not a feed cursor.
"""

import base64

import strawberry

from compliance.messages import t
from compliance.store import changes as feed
from graph.changes.types import ChangeConnection, ChangeEdge, ChangeType
from graph.cursors import page_size
from graph.errors import BadUserInput, CursorExpired
from graph.permissions import FeedReader, require_principal
from graph.types import Info, PageInfo

_PREFIX = "feed1"


def feed_cursor(enterprise: str, sequence: int) -> str:
    raw = f"{_PREFIX}:{enterprise}:{sequence}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def feed_position(cursor: str, enterprise: str) -> int:
    """The sequence a cursor of `enterprise`'s feed names."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, owner, sequence = raw.split(":")
        if prefix != _PREFIX or owner != enterprise or not sequence.isdigit():
            raise ValueError(raw)
        return int(sequence)
    except ValueError:
        raise BadUserInput(t("feed.bad_cursor"), field="after") from None


def _enterprise(info: Info) -> str:
    # FeedReader admits principals of an enterprise only: this is their enterprise.
    return str(require_principal(info.context).enterprise_id)


@strawberry.field(
    description=(
        "Your enterprise's changes in the order they were recorded, each once: pass the last "
        "page's endCursor as `after` to get what came since (an empty page keeps it). Without "
        "`after`, from the oldest change kept. The feed keeps a change "
        f"{feed.KEPT_FOR.days} days: a cursor after which some change is gone is refused as "
        "CURSOR_EXPIRED. `first` is at most 200."
    ),
    permission_classes=[FeedReader],
)
def changes(info: Info, after: str | None = None, first: int | None = 100) -> ChangeConnection:
    enterprise = _enterprise(info)
    start = feed_position(after, enterprise) if after else None
    size = page_size(first, 100, info.context.settings.max_page_size)
    try:
        page = feed.page(enterprise, start, size, info.context.now)
    except feed.CursorExpiredError:
        message = t("feed.cursor_expired", days=feed.KEPT_FOR.days)
        raise CursorExpired(message, field="after") from None
    except feed.CursorBeyondFeedError:
        raise BadUserInput(t("feed.bad_cursor"), field="after") from None
    edges = [
        ChangeEdge(node=ChangeType.of(sequence, change), cursor=feed_cursor(enterprise, sequence))
        for sequence, change in page.changes
    ]
    end = page.changes[-1][0] if page.changes else (start or 0)
    return ChangeConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.has_next, end_cursor=feed_cursor(enterprise, end)),
    )


@strawberry.field(
    description=(
        "Where your enterprise's feed ends now: pass it as `after` to receive only what "
        "changes from now on (a new integration that has just loaded everything)."
    ),
    permission_classes=[FeedReader],
)
def changes_cursor(info: Info) -> str:
    enterprise = _enterprise(info)
    return feed_cursor(enterprise, feed.head(enterprise))
