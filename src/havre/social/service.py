"""Every social write: like, comment, follow, share.

The rows are the viewer's data and live in the viewer's home region (``s`` is a session of it);
the public counts they change live with the video or creator, through ``social.counters``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, delete, inspect, literal, select, union_all, update
from sqlalchemy.orm import Mapper, Session

from havre.accounts.models import Follow, User
from havre.db import slots
from havre.errors import N_, Forbidden, InvalidInput, NotFound
from havre.regions import Region
from havre.regions.gateway import Gateway, aggregate_writer, note_subjects, public_reader
from havre.social import marks
from havre.social.counters import count_comment_if_open, count_follower, count_for_video
from havre.social.models import Comment, CountMark, Like, Save, VisitorMark
from havre.videos.cards import OwnerCard, VideoCard, owner_card
from havre.videos.models import Video

MAX_COMMENT = 1000
COMMENTS_OFF = N_("Comments are turned off for this video.")


@dataclass(frozen=True, kw_only=True)
class CommentCard:
    id: str
    author: OwnerCard
    body: str
    created_at: datetime


def _toggle(s: Session, row: Like | Follow, *, on: bool) -> int:
    """Make ``row`` (by its primary key) exist or not; +1, -1 or 0 for the counts it moves."""
    mapper: Mapper[Any] = inspect(type(row))
    existing = s.get(type(row), mapper.primary_key_from_instance(row))
    if on and existing is None:
        s.add(row)
        return 1
    if not on and existing is not None:
        s.delete(existing)
        return -1
    return 0


def set_like(s: Session, home: Region, viewer: User, video_region: Region, video: VideoCard, *,
             liked: bool) -> int:
    """Like or unlike; idempotent. Returns the like count as the viewer will now see it."""
    step = _toggle(s, Like(user_id=viewer.id, video_id=video.id), on=liked)
    if step:
        count_for_video(s, home, video_region, video.id, likes=step)
    return max(0, video.like_count + step)


def add_comment(s: Session, home: Region, viewer: User, video_region: Region, video: VideoCard,
                body: str) -> Comment:
    body = body.strip()
    if not body:
        raise InvalidInput(N_("Write something before posting."), field="body")
    if len(body) > MAX_COMMENT:
        raise InvalidInput(N_("Comments are at most %(max)s characters."), field="body", max=MAX_COMMENT)
    # Off means off for everyone, the owner included (as on TikTok): the owner turns them back on.
    if not video.allow_comments:
        raise Forbidden(COMMENTS_OFF)
    if video_region.name == home.name:
        # The check that counts: one UPDATE of the video's row, which the owner's "off" also
        # writes, so the database orders the two. A comment waiting on that row finds comments
        # off once "off" commits and is refused; none is stored after "off" committed.
        if not count_comment_if_open(s, video.id):
            raise Forbidden(COMMENTS_OFF)
    else:
        # Another region's video: the setting was read just now (``access_video``), and the
        # count follows by a job. A comment may still land if "off" commits in that region
        # during this request (no lock spans two regions' databases).
        count_for_video(s, home, video_region, video.id, comments=1)
    comment = Comment(video_id=video.id, author_id=viewer.id, body=body)
    s.add(comment)
    s.flush()
    return comment


def comments_shown(gw: Gateway, video: VideoCard) -> list[CommentCard]:
    """The comments shown under a video, newest first: none while its comments are off.

    Turning comments off hides the ones written before (as TikTok does) without deleting them:
    turning them back on shows them again, and their authors and the creator still find them
    in their exports."""
    if not video.allow_comments:
        return []
    # Comments live with their authors: gather each region's.
    found = (c for _, cards in gw.read_all(comments_on, video.id) for c in cards)
    return sorted(found, key=lambda c: c.created_at, reverse=True)[:100]


def delete_comment(s: Session, gw: Gateway, viewer: User, comment_id: str) -> None:
    """The author may remove a comment; so may the owner of the video it is under, wherever the
    comment lives (it lives with its author: another region is asked through the gateway)."""
    home, regions = gw.home, gw.regions
    comment = s.get(Comment, comment_id)
    if comment is None:
        _moderate_elsewhere(s, gw, viewer, comment_id)
        return
    if viewer.id != comment.author_id:
        video = s.get(Video, comment.video_id)
        if video is None or video.owner_id != viewer.id:
            raise Forbidden(N_("You can only delete your own comments or comments on your videos."))
    s.delete(comment)
    video_region = regions.home_of_video(comment.video_id)
    if video_region is not None:
        count_for_video(s, home, video_region, comment.video_id, comments=-1)


def _moderate_elsewhere(s: Session, gw: Gateway, viewer: User, comment_id: str) -> None:
    """The comment is not here: it may be under one of the viewer's videos, written from elsewhere."""
    for region in gw.regions:
        if region.name == gw.home.name:
            continue
        video_id = gw.read(region, video_of_comment, comment_id)
        if video_id is None:
            continue
        video = s.get(Video, video_id)  # the viewer's own videos live here, at home
        if video is None or video.owner_id != viewer.id:
            raise Forbidden(N_("You can only delete your own comments or comments on your videos."))
        if gw.write_aggregate(region, remove_comment, comment_id, video_id):
            count_for_video(s, gw.home, gw.home, video_id, comments=-1)
        return
    raise NotFound(N_("This comment does not exist."))


@public_reader
def video_of_comment(s: Session, comment_id: str) -> str | None:
    """Which video a comment is under (shown under it for anyone to see)."""
    return s.scalar(select(Comment.video_id).where(Comment.id == comment_id))


@aggregate_writer
def remove_comment(s: Session, comment_id: str, video_id: str) -> bool:
    """A creator removes a comment under their own video (a deletion: nothing is written)."""
    comment = s.get(Comment, comment_id)
    if comment is None or comment.video_id != video_id:
        return False
    note_subjects([comment.author_id])
    s.delete(comment)
    return True


@public_reader
def comments_on(s: Session, video_id: str, *, limit: int = 100) -> list[CommentCard]:
    """Comments this region's members wrote on a video (public, shown under it)."""
    rows = s.execute(
        select(Comment, User).join(User, User.id == Comment.author_id)
        .where(Comment.video_id == video_id).order_by(Comment.created_at.desc()).limit(limit))
    cards = [CommentCard(id=c.id, author=owner_card(u), body=c.body, created_at=c.created_at) for c, u in rows]
    note_subjects(c.author.id for c in cards)
    return cards


@public_reader
def comments_on_videos(s: Session, video_ids: list[str]) -> list[dict[str, Any]]:
    """Every comment this region's members wrote on these videos, for their creator's export: what
    is shown under the videos, with the author's handle, oldest first."""
    if not video_ids:
        return []
    rows = s.execute(
        select(Comment, User.handle).join(User, User.id == Comment.author_id)
        .where(Comment.video_id.in_(video_ids)).order_by(Comment.created_at, Comment.id)).all()
    note_subjects(c.author_id for c, _ in rows)
    return [{"id": c.id, "video_id": c.video_id, "author": handle, "body": c.body,
             "created_at": c.created_at.isoformat()} for c, handle in rows]


def set_follow(s: Session, home: Region, viewer: User, creator_region: Region, creator: OwnerCard, *,
               following: bool) -> int:
    """Follow or unfollow; idempotent. Returns the creator's follower count as the viewer will see it."""
    if viewer.id == creator.id:
        raise InvalidInput(N_("You cannot follow yourself."))
    step = _toggle(s, Follow(follower_id=viewer.id, followee_id=creator.id), on=following)
    if step:
        s.execute(update(User).where(User.id == viewer.id).values(following_count=User.following_count + step))
        count_follower(s, home, creator_region, creator.id, step)
    s.flush()
    return max(0, creator.follower_count + step)


def _marks_on_cards_statement(videos: int, owners: int) -> Any:
    viewer = bindparam("viewer", type_=String)
    liked = select(literal("like"), Like.video_id).where(
        Like.user_id == viewer, slots.in_slots(Like.video_id, "video", videos))
    follows = select(literal("follow"), Follow.followee_id).where(
        Follow.follower_id == viewer, slots.in_slots(Follow.followee_id, "owner", owners))
    return union_all(liked, follows)


# Every page of cards asks: one round trip, its statement built once per size of its lists.
_MARKS_ON_CARDS = {(videos, owners): _marks_on_cards_statement(videos, owners)
                   for videos in slots.SIZES for owners in slots.SIZES}


def marks_on_cards(s: Session, viewer_id: str | None, video_ids: list[str],
                   owner_ids: list[str]) -> tuple[set[str], set[str]]:
    """Which of the videos the viewer liked and which of their creators they follow."""
    found: dict[str, set[str]] = {"like": set(), "follow": set()}
    if viewer_id is None or not (video_ids or owner_ids):
        return found["like"], found["follow"]
    video_chunks, owner_chunks = list(slots.chunks(video_ids)), list(slots.chunks(owner_ids))
    for n in range(max(len(video_chunks), len(owner_chunks))):
        videos = video_chunks[n] if n < len(video_chunks) else []
        owners = owner_chunks[n] if n < len(owner_chunks) else []
        sizes = (slots.size_for(len(videos)), slots.size_for(len(owners)))
        params = {"viewer": viewer_id, **slots.filled("video", videos, sizes[0]),
                  **slots.filled("owner", owners, sizes[1])}
        for kind, value in s.connection().execute(_MARKS_ON_CARDS[sizes], params):
            found[kind].add(value)
    return found["like"], found["follow"]


def following_ids(s: Session, viewer: User | None, owner_ids: list[str]) -> set[str]:
    if viewer is None or not owner_ids:
        return set()
    return set(s.scalars(select(Follow.followee_id).where(
        Follow.follower_id == viewer.id, Follow.followee_id.in_(owner_ids))))


def record_share(s: Session, home: Region, viewer: User | None, video_region: Region, video: VideoCard, *,
                 session_secret: str, visitor_allowed: Callable[[str, str], bool] = marks.anyone) -> int:
    """Count a share once per member (ever) or visitor session, see social.marks (a visitor's
    within ``visitor_allowed``). Returns the share count as the sharer will now see it."""
    if not marks.first_time(s, kind=marks.SHARE, video_id=video.id, viewer=viewer, session_secret=session_secret,
                            visitor_allowed=visitor_allowed):
        return video.share_count
    count_for_video(s, home, video_region, video.id, shares=1)
    return video.share_count + 1


@aggregate_writer
def forget_video_rows(s: Session, video_id: str) -> None:
    """Drop this region's likes, saves, comments and count marks about a deleted video (only its public id
    travels)."""
    s.execute(delete(Like).where(Like.video_id == video_id))
    s.execute(delete(Save).where(Save.video_id == video_id))
    s.execute(delete(Comment).where(Comment.video_id == video_id))
    s.execute(delete(CountMark).where(CountMark.video_id == video_id))
    s.execute(delete(VisitorMark).where(VisitorMark.video_id == video_id))


@aggregate_writer
def forget_followee_rows(s: Session, user_id: str) -> int:
    """Drop this region's follows of a deleted account and lower the followers' following counts.

    Only the account's public id travels; the rows go in the same transaction as the counts."""
    followers = list(s.scalars(delete(Follow).where(Follow.followee_id == user_id).returning(Follow.follower_id)))
    if followers:  # a second run finds no rows and changes no count
        s.execute(update(User).where(User.id.in_(followers)).values(following_count=User.following_count - 1))
        note_subjects(followers)
    return len(followers)
