"""The tables of the portability package: the "Download my data" archives."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from havre.db.base import OPERATIONAL, PERSONAL, PUBLIC, Base, UTCDateTime, new_id, utcnow
from havre.db.ownership import owned


class DataExport(Base):
    """A "Download my data" archive being built or ready (``portability.archive_writer``): the zip itself is a
    blob at ``exports/USER/ID.zip`` in the person's home region, deleted when ``expires_at`` passes."""

    __tablename__ = "data_exports"
    __table_args__ = {"info": owned("user_id", note="an archive of the person's data, kept 7 days")}

    id: Mapped[str] = mapped_column(String(16), primary_key=True, default=new_id, info=PUBLIC)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, info=PERSONAL)
    status: Mapped[str] = mapped_column(String(16), default="queued", info=OPERATIONAL)  # queued|running|ready|failed
    done: Mapped[int] = mapped_column(Integer, default=0, info=OPERATIONAL)  # files written so far
    total: Mapped[int] = mapped_column(Integer, default=0, info=OPERATIONAL)  # files to write (0: not known yet)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0, info=OPERATIONAL)
    error: Mapped[str | None] = mapped_column(Text, info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, info=PERSONAL)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=PERSONAL)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=PERSONAL)
