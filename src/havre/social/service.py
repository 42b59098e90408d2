"""Every social write: like, comment, follow, share. Counters change in the same transaction."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from havre.accounts.models import User
from havre.errors import N_, Forbidden, InvalidInput, NotFound
from havre.social.models import Comment, Follow, Like
from havre.videos.models import Video

MAX_COMMENT = 1000


def set_like(s: Session, viewer: User, video: Video, *, liked: bool) -> bool:
    """Like or unlike; idempotent. Returns whether the viewer now likes the video."""
    existing = s.get(Like, (viewer.id, video.id))
    if liked and existing is None:
        s.add(Like(user_id=viewer.id, video_id=video.id))
        s.execute(update(Video).where(Video.id == video.id).values(like_count=Video.like_count + 1))
    elif not liked and existing is not None:
        s.delete(existing)
        s.execute(update(Video).where(Video.id == video.id).values(like_count=Video.like_count - 1))
    s.flush()
    s.refresh(video)
    return liked


def likes(s: Session, viewer: User | None, video_ids: list[str]) -> set[str]:
    if viewer is None or not video_ids:
        return set()
    return set(s.scalars(select(Like.video_id).where(Like.user_id == viewer.id, Like.video_id.in_(video_ids))))


def add_comment(s: Session, viewer: User, video: Video, body: str) -> Comment:
    body = body.strip()
    if not body:
        raise InvalidInput(N_("Write something before posting."), field="body")
    if len(body) > MAX_COMMENT:
        raise InvalidInput(N_("Comments are at most %(max)s characters."), field="body", max=MAX_COMMENT)
    comment = Comment(video_id=video.id, author_id=viewer.id, body=body)
    s.add(comment)
    s.execute(update(Video).where(Video.id == video.id).values(comment_count=Video.comment_count + 1))
    s.flush()
    return comment


def delete_comment(s: Session, viewer: User, comment_id: str) -> None:
    comment = s.get(Comment, comment_id)
    if comment is None:
        raise NotFound(N_("This comment does not exist."))
    video = s.get(Video, comment.video_id)
    # The author, or the owner of the video it sits under, may remove it.
    if viewer.id != comment.author_id and (video is None or video.owner_id != viewer.id):
        raise Forbidden(N_("You can only delete your own comments or comments on your videos."))
    s.delete(comment)
    if video is not None:
        s.execute(update(Video).where(Video.id == video.id).values(comment_count=Video.comment_count - 1))


def comments_for(s: Session, video: Video, *, limit: int = 100) -> list[tuple[Comment, User]]:
    rows = s.execute(
        select(Comment, User).join(User, User.id == Comment.author_id)
        .where(Comment.video_id == video.id).order_by(Comment.created_at.desc()).limit(limit))
    return [(c, u) for c, u in rows]


def set_follow(s: Session, viewer: User, target: User, *, following: bool) -> bool:
    if viewer.id == target.id:
        raise InvalidInput(N_("You cannot follow yourself."))
    existing = s.get(Follow, (viewer.id, target.id))
    step = 0
    if following and existing is None:
        s.add(Follow(follower_id=viewer.id, followee_id=target.id))
        step = 1
    elif not following and existing is not None:
        s.delete(existing)
        step = -1
    if step:
        s.execute(update(User).where(User.id == target.id).values(follower_count=User.follower_count + step))
        s.execute(update(User).where(User.id == viewer.id).values(following_count=User.following_count + step))
    s.flush()
    s.refresh(target)
    return following


def following_ids(s: Session, viewer: User | None, owner_ids: list[str]) -> set[str]:
    if viewer is None or not owner_ids:
        return set()
    return set(s.scalars(select(Follow.followee_id).where(
        Follow.follower_id == viewer.id, Follow.followee_id.in_(owner_ids))))


def record_share(s: Session, video: Video) -> int:
    s.execute(update(Video).where(Video.id == video.id).values(share_count=Video.share_count + 1))
    s.flush()
    s.refresh(video)
    return video.share_count


def forget_video(s: Session, video_id: str) -> None:
    """Remove every social row about a video (it is being deleted)."""
    s.execute(delete(Like).where(Like.video_id == video_id))
    s.execute(delete(Comment).where(Comment.video_id == video_id))
