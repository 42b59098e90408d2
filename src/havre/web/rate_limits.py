"""How often each action may be done, per account and per address, and the checks that enforce it.

Every number a client can move is bounded here: likes, comments, follows, shares, views, the
player's events, sign-ups, uploads and imports. Each action has limits per member (the account,
from any address) and per client address (``web.client_address``: ``X-Forwarded-For`` counts only
from trusted proxies), counted in the database of the region serving the request
(``havre.ratelimit``), so every process of the instance shares them. Past a limit the answer is
429 with ``Retry-After``, in the reader's language. docs/security.md's table is checked against
``ACTIONS`` by a test.

Per-address counts are kept in the serving region (a member's home, else the default region): an
address whose members live in several regions gets each region's allowance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from havre.errors import N_, HavreError, TooManyRequests
from havre.ratelimit import Rate, RateLimiter
from havre.regions import Region
from havre.web.deps import RequestContext

MINUTE, HOUR, DAY = 60, 3600, 86400


@dataclass(frozen=True)
class ActionLimits:
    what: str  # for docs/security.md
    member: tuple[Rate, ...] = ()
    address: tuple[Rate, ...] = ()


# A person swiping fast sees a video a second and sends a handful of events for each; the player
# batches 20. The per-address limits leave room for a household or an office behind one address.
ACTIONS: dict[str, ActionLimits] = {
    "events": ActionLimits("the player's events (`POST /api/events`), counted per event",
                           member=(Rate(600, MINUTE), Rate(20_000, DAY)), address=(Rate(3000, MINUTE),)),
    "view": ActionLimits("views (`POST /api/videos/{id}/views`)",
                         member=(Rate(120, MINUTE), Rate(5000, DAY)), address=(Rate(600, MINUTE),)),
    "like": ActionLimits("likes and unlikes", member=(Rate(60, MINUTE), Rate(1000, DAY)),
                         address=(Rate(300, MINUTE),)),
    "comment": ActionLimits("comments", member=(Rate(10, MINUTE), Rate(300, DAY)), address=(Rate(60, MINUTE),)),
    "follow": ActionLimits("follows and unfollows", member=(Rate(30, MINUTE), Rate(500, DAY)),
                           address=(Rate(150, MINUTE),)),
    "save": ActionLimits("saves and unsaves (a member's Saved videos)", member=(Rate(60, MINUTE), Rate(1000, DAY)),
                         address=(Rate(300, MINUTE),)),
    "pin": ActionLimits("pinning a video on one's profile", member=(Rate(30, MINUTE), Rate(300, DAY)),
                        address=(Rate(150, MINUTE),)),
    "share": ActionLimits("shares (visitors too)", member=(Rate(30, MINUTE),), address=(Rate(60, MINUTE),)),
    "signup": ActionLimits("sign-ups (page and API)", address=(Rate(5, HOUR), Rate(20, DAY))),
    "upload": ActionLimits("video uploads, judged before the body is read", member=(Rate(20, HOUR), Rate(100, DAY)),
                           address=(Rate(60, HOUR),)),
    "import": ActionLimits("imports started from the page, judged before the body is read",
                           member=(Rate(10, DAY),), address=(Rate(30, DAY),)),
}
# A visitor's share or view is counted (the public count) for at most this many visitors of one
# address per video per day; past it, it is answered as usual and not counted (web.rate_limits).
VISITORS_PER_ADDRESS = Rate(2, DAY)


def wait_s(limiter: RateLimiter, s: Session, action: str, *, member_id: str | None, client: str,
           units: int = 1) -> int:
    """Count ``units`` of ``action`` for this member (if signed in) and address in the caller's
    transaction; the seconds to wait (0: go ahead). Every limit of the action counts the units."""
    limits = ACTIONS[action]
    keyed = [(limiter.key(action, "address", client, str(rate.per_s)), rate) for rate in limits.address]
    if member_id is not None:
        keyed += [(limiter.key(action, "member", member_id, str(rate.per_s)), rate) for rate in limits.member]
    return limiter.spend_all(s, keyed, units=units)


def too_often(wait: int) -> TooManyRequests:
    if wait > 2 * MINUTE:
        return TooManyRequests(N_("You are doing that too often; try again in %(minutes)s minutes."),
                               retry_after_s=wait, minutes=-(-wait // MINUTE))
    return TooManyRequests(N_("You are doing that too often; try again in %(seconds)s seconds."),
                           retry_after_s=wait, seconds=wait)


@contextmanager
def counted(ctx: RequestContext, s: Session, action: str, *, units: int = 1) -> Iterator[None]:
    """Count this request's ``action`` in the transaction of ``s``, which the caller commits with
    its work: past a limit the count is committed and 429 raised; when the work fails, the count
    is committed alone and the error goes on (a failed attempt counts: a client cannot probe for
    free). The player's events take this path, one commit a batch."""
    wait = wait_s(ctx.limiter, s, action, member_id=ctx.viewer_id, client=ctx.client, units=units)
    if wait:
        s.commit()
        raise too_often(wait)
    try:
        yield
    except HavreError:
        s.rollback()
        wait_s(ctx.limiter, s, action, member_id=ctx.viewer_id, client=ctx.client, units=units)
        s.commit()
        raise


def check(ctx: RequestContext, action: str, *, units: int = 1) -> None:
    """Count this request's ``action`` in a transaction of its own, before the action; raise 429
    past a limit."""
    with ctx.db() as s, counted(ctx, s, action, units=units):
        s.commit()


def refusal(limiter: RateLimiter, region: Region, action: str, *, member_id: str | None,
            client: str) -> TooManyRequests | None:
    """``check`` for a request whose body is not read yet (uploads, imports: web.limits), in the
    member's home region; the refusal to answer, or None."""
    with region.session() as s:
        wait = wait_s(limiter, s, action, member_id=member_id, client=client)
        s.commit()
    return too_often(wait) if wait else None


def visitor_allowance(ctx: RequestContext, s: Session) -> Callable[[str, str], bool]:
    """Whether a visitor's first view or share of a video may still move its public count (asked
    by social.marks once the visitor's own mark is new): one address's visitors count as a few,
    however many cookies they bring."""
    def allowed(kind: str, video_id: str) -> bool:
        return ctx.limiter.allows(s, ctx.limiter.key("visitors", kind, video_id, ctx.client), VISITORS_PER_ADDRESS)
    return allowed


def docs_table() -> str:
    """docs/security.md's table of these limits (a test keeps the page equal to it)."""
    rows = ["| action | per member | per address |", "|---|---|---|"]
    rows += [f"| {limits.what} | {', '.join(map(str, limits.member)) or '-'} | "
             f"{', '.join(map(str, limits.address)) or '-'} |" for limits in ACTIONS.values()]
    return "\n".join(rows)
