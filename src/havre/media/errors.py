from __future__ import annotations


class MediaRejected(Exception):
    """The file cannot be accepted; the message names why and what to do (shown to the user).

    ``message`` is an English template with named ``params`` (translated where it is shown).
    """

    def __init__(self, message: str, *, code: str, **params: object) -> None:
        self.template = message
        self.params = params
        super().__init__(message % params if params else message)
        # container, codec, too_long, too_large, too_small, too_many_pixels, corrupt, no_video, timeout
        self.code = code


class MediaError(Exception):
    """ffmpeg failed on input we had accepted: an internal error, worth a retry."""
