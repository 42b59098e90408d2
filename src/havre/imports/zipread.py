"""One reader for the zips people upload (a TikTok export, a Havre archive), so none can blow up the server.

A zip says how large each member is before a byte of it is inflated (its central directory). Those
declared sizes are judged first, when the zip is opened: each member against the limit for what it
is (``Limits.limit_of``: a data file, a video, a subtitle), all of them against a total, and each
large one against a compression ratio, so a bomb is refused before it costs anything. A header can
lie: every read is counted and stops at the smaller of the declared size and the limit, whatever
the inflater gives. Hashing and extracting stream in chunks; a file extracted half way is removed.
Names that could climb out of a folder, folders and encrypted members are set aside before reading
(``unsafe``, ``folders``); a name given twice is refused (zip tools disagree on which one counts).

Refusals are raised as the caller's error class (``ExportError``, ``ArchiveError``), each naming the
zip and the member, so one reader serves every kind of archive with the caller's wording around it.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from havre.errors import N_

CHUNK = 256 << 10  # what one read inflates: a quarter MiB in memory at a time
Raise = Callable[..., Exception]  # the caller's error class: Raise(template, **params)
# What reading a damaged member can raise, from zipfile, zlib, the bz2/lzma modules or the OS.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError)


@dataclass(frozen=True, kw_only=True)
class Limits:
    max_members: int
    max_total_bytes: int  # every member that is read, inflated, together
    limit_of: Callable[[str], int | None]  # how large a member may be once inflated; None: it is never read
    # Inflated bytes per compressed byte. Video, images and exports' JSON stay far below (1 to 20);
    # zeros or repeated text inflate a thousandfold, which is what a bomb is made of.
    max_ratio: int = 200
    ratio_from: int = 1 << 20  # smaller members are let through: a tiny file can compress oddly well


def safe_name(name: str) -> bool:
    """A relative path without '..', a drive, a backslash, an empty or '.' part: it names a file inside."""
    return (bool(name) and "\\" not in name and ":" not in name
            and all(part not in ("", ".", "..") for part in name.split("/")))


def mib(size: int, *, up: bool = False) -> str:
    """A size as the messages show it, in MiB with one decimal: a size over a limit is rounded up
    and the limit down, so "1.1 MiB, more than the 1.0 MiB" never reads "1.0, more than 1.0"."""
    tenths = -(-size * 10 // (1 << 20)) if up else size * 10 // (1 << 20)
    return f"{tenths / 10:.1f}"


class SafeZip:
    """An open zip whose members were judged before any was read; ``files`` maps name to member."""

    def __init__(self, path: Path, *, label: str, limits: Limits, error: Raise, unreadable: str) -> None:
        """``unreadable``: the caller's message for a file that is no zip, with %(name)s and %(problem)s."""
        self.label, self.limits, self.error = label, limits, error
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise error(unreadable, name=label, problem=str(exc)[:120]) from None
        try:
            self.files, self.unsafe, self.folders = self._judge()
        except BaseException:
            self._zip.close()
            raise

    def _judge(self) -> tuple[dict[str, zipfile.ZipInfo], list[str], list[str]]:
        infos = self._zip.infolist()
        if len(infos) > self.limits.max_members:
            raise self.error(N_("%(name)s holds %(count)s files, more than the %(limit)s an archive of its kind "
                                "holds. Is it the right file?"), name=self.label, count=len(infos),
                             limit=self.limits.max_members)
        files: dict[str, zipfile.ZipInfo] = {}
        unsafe: list[str] = []
        folders: list[str] = []
        total = 0
        for info in infos:
            if info.filename in files or (info.is_dir() and info.filename in folders):
                raise self.error(N_("%(name)s holds %(member)s twice: it was changed or damaged. Make a new export "
                                    "and import that."), name=self.label, member=info.filename)
            if info.is_dir():
                folders.append(info.filename)
                continue
            if not safe_name(info.filename):
                unsafe.append(info.filename)
                continue
            files[info.filename] = info
            limit = self.limits.limit_of(info.filename)
            if limit is None:
                continue
            self._judge_member(info, limit)
            total += info.file_size
            if total > self.limits.max_total_bytes:
                raise self.error(N_("%(name)s would unpack to more than %(limit)s MiB: refused before unpacking, as a "
                                    "zip bomb."), name=self.label, limit=mib(self.limits.max_total_bytes))
        return files, unsafe, folders

    def _judge_member(self, info: zipfile.ZipInfo, limit: int) -> None:
        if info.flag_bits & 0x1:
            raise self.error(N_("%(member)s in %(name)s is encrypted, and Havre cannot read it. Make a new export "
                                "without a password and import that."), member=info.filename, name=self.label)
        if info.file_size > self.limits.ratio_from and \
                info.file_size > self.limits.max_ratio * max(info.compress_size, 1):
            raise self.error(N_("%(member)s in %(name)s would inflate to %(size)s MiB from %(packed)s MiB: refused "
                                "before unpacking, as a zip bomb."), member=info.filename, name=self.label,
                             size=mib(info.file_size, up=True), packed=mib(info.compress_size, up=True))
        if info.file_size > limit:
            raise self.error(N_("%(member)s in %(name)s is %(size)s MiB once unpacked, more than the %(limit)s MiB "
                                "such a file may be here: refused before unpacking."), member=info.filename,
                             name=self.label, size=mib(info.file_size, up=True), limit=mib(limit))

    def limit(self, name: str) -> int:
        """The most bytes a read of ``name`` yields: its declared size, never more than its limit."""
        info = self.files[name]
        limit = self.limits.limit_of(name)
        if limit is None:  # not judged when the zip was opened: judge it now, before reading
            limit = self.limits.max_total_bytes
            self._judge_member(info, limit)
        return min(info.file_size, limit)

    def stream(self, name: str) -> Iterator[bytes]:
        """The member's bytes in chunks, counted: more than it declared (or than its limit) is refused."""
        limit, read = self.limit(name), 0
        try:
            with self._zip.open(self.files[name]) as src:
                while chunk := src.read(CHUNK):
                    read += len(chunk)
                    if read > limit:  # zipfile stops at the declared size; this stays true if it ever did not
                        raise self.error(N_("%(member)s in %(name)s inflates beyond what its header says: refused "
                                            "as a zip bomb."), member=name, name=self.label)
                    yield chunk
        except DAMAGED as exc:
            raise self.error(N_("%(name)s is damaged: %(member)s cannot be read (%(problem)s). Make a new export "
                                "and import that."), member=name, name=self.label, problem=str(exc)[:120]) from None

    def read(self, name: str) -> bytes:
        """The whole member in memory (a buffer that grows, not a list of chunks and then their join:
        a member at its limit is held once, not twice)."""
        out = io.BytesIO()
        for chunk in self.stream(name):
            out.write(chunk)
        return out.getvalue()

    def sha256(self, name: str) -> tuple[int, str]:
        """Size and SHA-256 of a member, read through once."""
        digest, size = hashlib.sha256(), 0
        for chunk in self.stream(name):
            digest.update(chunk)
            size += len(chunk)
        return size, digest.hexdigest()

    def extract(self, name: str, dst: Path) -> Path:
        """Write the member to ``dst`` (never more than its limit); nothing stays when it fails."""
        try:
            with open(dst, "wb") as out:
                for chunk in self.stream(name):
                    out.write(chunk)
        except BaseException:
            dst.unlink(missing_ok=True)
            raise
        return dst

    def close(self) -> None:
        self._zip.close()
