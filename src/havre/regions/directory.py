"""The global directory: which region is home to a user, and which region holds a video.

It is the only store shared by all regions, so it holds nothing personal: a user's random id,
their handle (public: it is in every profile URL) and a region name; a video's random id and
the region that holds it. No names, no e-mail, no dates, no counts. It answers "where do I ask?"
so that no region has to ask the others (which would itself be a cross-region access).

Embedded, it is ``DATA_DIR/directory.db``; at scale, ``HAVRE_DIRECTORY_URL`` (PostgreSQL).
Its two tables are created on open (they have not changed shape since they were introduced;
when they do, they get their own Alembic history).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, MetaData, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from havre.db.base import NAMING, OPERATIONAL, PUBLIC
from havre.db.engine import make_engine, make_sessionmaker
from havre.kept import Kept


class DirectoryBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UserHome(DirectoryBase):
    __tablename__ = "user_homes"

    user_id: Mapped[str] = mapped_column(String(16), primary_key=True, info=PUBLIC)
    handle: Mapped[str] = mapped_column(String(30), unique=True, info=PUBLIC)
    region: Mapped[str] = mapped_column(String(32), info=OPERATIONAL)


class VideoHome(DirectoryBase):
    __tablename__ = "video_homes"

    video_id: Mapped[str] = mapped_column(String(16), primary_key=True, info=PUBLIC)
    region: Mapped[str] = mapped_column(String(32), info=OPERATIONAL)


class PendingMove(DirectoryBase):
    """A user being moved between regions (``havre users move``); gone once the move is done."""

    __tablename__ = "pending_moves"

    user_id: Mapped[str] = mapped_column(String(16), primary_key=True, info=PUBLIC)
    source: Mapped[str] = mapped_column(String(32), info=OPERATIONAL)
    target: Mapped[str] = mapped_column(String(32), info=OPERATIONAL)
    # "copy": rows and files are being copied; "delete": switched, the source is being emptied.
    phase: Mapped[str] = mapped_column(String(16), info=OPERATIONAL)


class HandleTaken(Exception):
    pass


HANDLES_KEPT_S = 300.0
"""How long a process remembers a handle. A handle never changes while its user exists (there is
no rename), so the only staleness is a deleted user's handle, kept at most that long by another
process: it is public (in every profile URL) and names a creator in a "why" line, nothing else."""


class Directory:
    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        DirectoryBase.metadata.create_all(self.engine)
        self._sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        self._handles: Kept[str, str] = Kept(max_items=50_000, ttl_s=HANDLES_KEPT_S)

    # -- users ------------------------------------------------------------------------

    def claim_handle(self, *, user_id: str, handle: str, region: str) -> None:
        """Reserve a handle for a new user; the unique index makes two signups race safely."""
        with self._sessions() as s:
            s.add(UserHome(user_id=user_id, handle=handle, region=region))
            try:
                s.commit()
            except IntegrityError:
                raise HandleTaken(handle) from None

    def release_user(self, user_id: str) -> None:
        with self._sessions() as s:
            s.execute(delete(UserHome).where(UserHome.user_id == user_id))
            s.commit()
        self._handles.pop(user_id)

    def region_of_handle(self, handle: str) -> str | None:
        with self._sessions() as s:
            return s.scalar(select(UserHome.region).where(UserHome.handle == handle))

    def user_id_of_handle(self, handle: str) -> str | None:
        with self._sessions() as s:
            return s.scalar(select(UserHome.user_id).where(UserHome.handle == handle))

    def region_of_user(self, user_id: str) -> str | None:
        with self._sessions() as s:
            return s.scalar(select(UserHome.region).where(UserHome.user_id == user_id))

    def _lookup(self, key: Any, value: Any, ids: Iterable[str]) -> dict[str, str]:
        """{id: value} for the ``ids`` the directory knows, in one query."""
        wanted = list(set(ids))
        if not wanted:
            return {}
        with self._sessions() as s:
            return {str(k): str(v) for k, v in s.execute(select(key, value).where(key.in_(wanted)))}

    def regions_of_users(self, user_ids: Iterable[str]) -> dict[str, str]:
        return self._lookup(UserHome.user_id, UserHome.region, user_ids)

    def handles_of(self, user_ids: Iterable[str]) -> dict[str, str]:
        """Their handles (every For You page names a few creators: remembered ``HANDLES_KEPT_S``)."""
        found: dict[str, str] = {}
        missing = []
        for user_id in set(user_ids):
            handle = self._handles.get(user_id)
            if handle is None:
                missing.append(user_id)
            else:
                found[user_id] = handle
        if missing:
            looked_up = self._lookup(UserHome.user_id, UserHome.handle, missing)
            self._handles.put_all(looked_up.items())
            found.update(looked_up)
        return found

    def pending_move(self, user_id: str) -> PendingMove | None:
        with self._sessions() as s:
            return s.get(PendingMove, user_id)

    def start_move(self, user_id: str, *, source: str, target: str) -> PendingMove:
        with self._sessions() as s:
            move = PendingMove(user_id=user_id, source=source, target=target, phase="copy")
            s.add(move)
            s.commit()
            return move

    def switch_home(self, user_id: str, region: str, video_ids: Iterable[str]) -> None:
        """Point a user and their videos at their new home, in one transaction (the switch of a move)."""
        with self._sessions() as s:
            s.execute(update(UserHome).where(UserHome.user_id == user_id).values(region=region))
            for video_id in video_ids:
                s.merge(VideoHome(video_id=video_id, region=region))
            s.execute(update(PendingMove).where(PendingMove.user_id == user_id).values(phase="delete"))
            s.commit()

    def finish_move(self, user_id: str) -> None:
        with self._sessions() as s:
            s.execute(delete(PendingMove).where(PendingMove.user_id == user_id))
            s.commit()

    # -- videos -----------------------------------------------------------------------

    def place_video(self, video_id: str, region: str) -> None:
        with self._sessions() as s:
            s.merge(VideoHome(video_id=video_id, region=region))
            s.commit()

    def forget_video(self, video_id: str) -> None:
        with self._sessions() as s:
            s.execute(delete(VideoHome).where(VideoHome.video_id == video_id))
            s.commit()

    def region_of_video(self, video_id: str) -> str | None:
        with self._sessions() as s:
            return s.scalar(select(VideoHome.region).where(VideoHome.video_id == video_id))

    def regions_of_videos(self, video_ids: Iterable[str]) -> dict[str, str]:
        return self._lookup(VideoHome.video_id, VideoHome.region, video_ids)

    def all_user_homes(self) -> dict[str, str]:
        """user id -> region, for the residency audit."""
        with self._sessions() as s:
            return {user_id: region for user_id, region in s.execute(select(UserHome.user_id, UserHome.region))}

    def all_handles(self) -> dict[str, str]:
        """user id -> handle, for the residency audit."""
        with self._sessions() as s:
            return {user_id: handle for user_id, handle in s.execute(select(UserHome.user_id, UserHome.handle))}

    def all_video_homes(self) -> dict[str, str]:
        """video id -> region, for the residency audit."""
        with self._sessions() as s:
            return {video_id: region for video_id, region in s.execute(select(VideoHome.video_id, VideoHome.region))}

    def close(self) -> None:
        self.engine.dispose()
