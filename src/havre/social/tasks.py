"""Jobs of the social domain: counts and notices pushed to other regions through the gateway."""

from __future__ import annotations

from typing import Any

from havre.jobs import handler
from havre.regions.work import JobContext
from havre.social import COUNT_FOLLOWERS_JOB, COUNT_VIDEO_JOB, FORGET_VIDEO_JOB
from havre.social.counters import add_follower_count, add_video_counts
from havre.social.service import forget_video_rows


@handler(COUNT_VIDEO_JOB)
def push_video_counts(ctx: JobContext, payload: dict[str, Any]) -> None:
    # Asked at run time: the creator may have moved since the count was queued.
    target = ctx.regions.home_of_video(payload["target_video_id"]) or ctx.regions.get(payload["region"])
    ctx.gateway().write_aggregate(target, add_video_counts, payload["target_video_id"], deltas=payload["deltas"],
                                  delta_id=ctx.job_id)


@handler(COUNT_FOLLOWERS_JOB)
def push_follower_count(ctx: JobContext, payload: dict[str, Any]) -> None:
    target = ctx.regions.home_of_user(payload["target_user_id"]) or ctx.regions.get(payload["region"])
    ctx.gateway().write_aggregate(target, add_follower_count, payload["target_user_id"], step=payload["step"],
                                  delta_id=ctx.job_id)


@handler(FORGET_VIDEO_JOB)
def forget_video_everywhere(ctx: JobContext, payload: dict[str, Any]) -> None:
    """A video was deleted: every region drops its members' likes and comments about it."""
    gateway = ctx.gateway()
    for region in ctx.regions:
        gateway.write_aggregate(region, forget_video_rows, payload["video_id"])
