"""Serve a blob over HTTP: a file response (with Range) for local stores, a stream otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from fastapi import Response
from fastapi.responses import FileResponse, RedirectResponse, StreamingResponse

from havre.blobs import BlobStore, InvalidBlobKey
from havre.errors import N_, NotFound

# How long a copy of a public file may be served from a cache after the video became private
# (docs/security.md, "Caching of media"). Nothing this module hands out outlives it.
MEDIA_MAX_AGE_S = 300
PUBLIC_MEDIA = f"public, max-age={MEDIA_MAX_AGE_S}"
# Followers-only and private files: the viewer's own browser may keep them, no shared cache may.
PRIVATE_MEDIA = f"private, max-age={MEDIA_MAX_AGE_S}"
# A presigned URL lets anyone holding it fetch the file, checked or not, until it expires.
PRESIGN_S = MEDIA_MAX_AGE_S
# A browser may reuse a redirect this long; the URL it leads to then stays valid for the rest of
# PRESIGN_S (4 minutes at least), enough to fetch a file of a short video.
REDIRECT_MAX_AGE_S = 60


def blob_response(blobs: BlobStore, key: str, *, media_type: str, cache_control: str,
                  redirect: bool = True) -> Response:
    """Serve ``key`` after the caller checked access.

    A local store is streamed with Range support. A store that can presign (S3) answers with a
    redirect to a short-lived URL, so the bytes go from the store to the browser without passing
    through this process; ``redirect=False`` (small text such as playlists) streams instead.
    """
    try:
        found = blobs.exists(key)
    except InvalidBlobKey:  # a path that tries to climb out ("..", "%2e%2e", "\\"): nothing is there
        found = False
    if not found:
        raise NotFound(N_("No such media file."))
    headers = {"Cache-Control": cache_control, "X-Content-Type-Options": "nosniff"}
    local = blobs.local_path(key)
    if local is not None:
        return FileResponse(local, media_type=media_type, headers=headers)
    presign = getattr(blobs, "presigned_url", None)
    if redirect and presign is not None:
        # The redirect itself must not outlive the signature, nor be shared between viewers.
        return RedirectResponse(presign(key, expires_s=PRESIGN_S), status_code=302,
                                headers={"Cache-Control": f"private, max-age={REDIRECT_MAX_AGE_S}"})
    return StreamingResponse(_chunks(blobs.open(key)), media_type=media_type, headers=headers)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    # Close the store's stream (an S3 body holds a pooled connection) however the client leaves.
    try:
        while block := stream.read(1 << 16):
            yield block
    finally:
        stream.close()
