"""JSON routes of a member's interests: the hashtags offered after signup, and the member's choice."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from havre.accounts.models import User
from havre.feed import interests
from havre.feed.candidates import Candidates
from havre.web.deps import RequestContext, get_ctx, require_viewer
from havre.web.openapi import errors

router = APIRouter(prefix="/api", tags=["interests"])
# Only for a recommender that keeps no pool of its own; For You's does, and its pool is shared.


class InterestsIn(BaseModel):
    # The limit of 10 is the service's, with its own message; this one only bounds the work.
    tags: list[str] = Field(max_length=100)


class InterestsOut(BaseModel):
    tags: list[str]  # hashtags without "#", lower case


class SuggestedOut(BaseModel):
    tags: list[str]  # what to offer: the member's interests first, then this instance's common hashtags
    chosen: list[str]  # the member's interests ([] for a visitor)


def candidates(ctx: RequestContext) -> Candidates:
    """For You's candidates, from the pools the app's feed state keeps (read at most once a while)."""
    return ctx.feed.pools.candidates(ctx.gateway)


def suggested(ctx: RequestContext) -> SuggestedOut:
    chosen: list[str] = []
    if ctx.viewer is not None:
        with ctx.db() as s:
            chosen = interests.interests_of(s, ctx.viewer.id)
    return SuggestedOut(tags=interests.choices(candidates(ctx), chosen), chosen=chosen)


@router.get("/interests/suggested", response_model=SuggestedOut, responses=errors(crosses=True))
def suggested_interests(ctx: RequestContext = Depends(get_ctx)) -> SuggestedOut:
    """Hashtags to choose from ("Choose your interests"): the most engaged-with on this instance."""
    return suggested(ctx)


@router.get("/me/interests", response_model=InterestsOut, responses=errors(member=True))
def my_interests(ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> InterestsOut:
    with ctx.db() as s:
        return InterestsOut(tags=interests.interests_of(s, viewer.id))


@router.put("/me/interests", response_model=InterestsOut, responses=errors(400, body=True, member=True))
def set_my_interests(body: InterestsIn, ctx: RequestContext = Depends(get_ctx),
                     viewer: User = Depends(require_viewer)) -> InterestsOut:
    """Replace your interests (at most 10 hashtags, with or without "#"); For You follows them at once."""
    with ctx.db() as s:
        tags = interests.set_interests(s, viewer.id, body.tags)
        s.commit()
    return InterestsOut(tags=tags)
