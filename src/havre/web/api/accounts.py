"""JSON routes of accounts: signup, login, logout, me, public profiles, and what a profile lists:
followers, following, the Liked tab, the pinned video and the member's Saved videos."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from havre.accounts import service, signin
from havre.accounts.avatar import read_avatar
from havre.accounts.models import User
from havre.blobs import BlobStore
from havre.errors import N_, NotFound
from havre.regions.gateway import note_subjects, public_file_reader
from havre.social import profile as profiles
from havre.social.service import following_ids
from havre.videos.access import access_creator
from havre.videos.cards import OwnerCard
from havre.web import rate_limits
from havre.web.api.shapes import ProfileOut, VideoPage, avatar_url, profile_out, serialize_cards
from havre.web.blob_response import PUBLIC_MEDIA, blob_response
from havre.web.client_address import client_address
from havre.web.deps import (
    RequestContext,
    clear_session_cookie,
    get_ctx,
    require_viewer,
    set_session_cookie,
)
from havre.web.openapi import errors

router = APIRouter(prefix="/api", tags=["accounts"])
avatar_router = APIRouter(tags=["media"])


class Credentials(BaseModel):
    handle: str
    password: str


class Signup(Credentials):
    region: str | None = None  # where the account's data lives; the instance's default if unset


class ProfilePatch(BaseModel):
    display_name: str | None = None
    bio: str | None = None
    likes_public: bool | None = None  # whether anyone may open the member's Liked tab


class UserOut(ProfileOut):
    likes_received: int  # the sum of the like counts of their videos
    likes_public: bool
    pinned_video_id: str | None


class PinIn(BaseModel):
    video_id: str


class PersonOut(BaseModel):
    handle: str
    display_name: str
    avatar_url: str | None
    follower_count: int
    followed_by_me: bool  # whether the viewer follows them
    since: datetime


class PeoplePage(BaseModel):
    items: list[PersonOut]
    next_cursor: str | None


def user_out(ctx: RequestContext, owner: User | OwnerCard) -> UserOut:
    region = ctx.regions.home_of_user(owner.id)
    facts = ctx.gateway.read(region, profiles.profile_facts, owner.id) if region is not None else None
    if facts is None:
        raise NotFound(N_("There is no @%(handle)s on this instance."), handle=owner.handle)
    return UserOut(**profile_out(owner).model_dump(), likes_received=facts.likes_received,
                   likes_public=facts.likes_public, pinned_video_id=facts.pinned_video_id)


@router.post("/auth/signup", response_model=ProfileOut, status_code=201, responses=errors(429, body=True))
def signup(body: Signup, request: Request, response: Response,
           ctx: RequestContext = Depends(get_ctx)) -> ProfileOut:
    rate_limits.check(ctx, "signup")  # before the password's hash, the costly part
    signed = signin.sign_up(ctx.regions, handle=body.handle, password=body.password, region=body.region,
                            user_agent=request.headers.get("user-agent", ""))
    set_session_cookie(response, signed.region, signed.token, ctx.settings)
    return profile_out(signed.user)


@router.post("/auth/login", response_model=ProfileOut, responses=errors(429, body=True))
def login(body: Credentials, request: Request, response: Response,
          ctx: RequestContext = Depends(get_ctx)) -> ProfileOut:
    signed = signin.log_in(ctx.regions, handle=body.handle, password=body.password, client=client_address(request),
                           user_agent=request.headers.get("user-agent", ""),
                           max_failures=ctx.settings.login_max_failures, window_s=ctx.settings.login_window_s)
    set_session_cookie(response, signed.region, signed.token, ctx.settings)
    return profile_out(signed.user)


@router.post("/auth/logout", status_code=204, responses=errors(unsafe=True))
def logout(ctx: RequestContext = Depends(get_ctx)) -> Response:
    response = Response(status_code=204)
    if ctx.session_token:
        with ctx.db() as s:
            service.end_session(s, ctx.session_token)
            s.commit()
    clear_session_cookie(response, ctx.settings)
    return response


@router.get("/me", response_model=UserOut, responses=errors(member=True))
def me(ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> UserOut:
    return user_out(ctx, viewer)


@router.get("/users/{handle}", response_model=UserOut, responses=errors(404, crosses=True))
def get_user(handle: str, ctx: RequestContext = Depends(get_ctx)) -> UserOut:
    return user_out(ctx, access_creator(ctx.gateway, handle)[1])


@router.patch("/me", response_model=UserOut, responses=errors(body=True, member=True))
def patch_me(body: ProfilePatch, ctx: RequestContext = Depends(get_ctx),
             viewer: User = Depends(require_viewer)) -> UserOut:
    with ctx.db() as s:
        user = s.get(User, viewer.id)
        assert user is not None
        service.update_profile(s, user, display_name=body.display_name, bio=body.bio)
        if body.likes_public is not None:
            profiles.set_likes_public(s, user.id, body.likes_public)
        s.commit()
        return user_out(ctx, user)


@router.put("/me/pinned", response_model=UserOut, responses=errors(404, 429, body=True, member=True))
def pin(body: PinIn, ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> UserOut:
    """Pin one of your own videos first on your profile (another's, or none, is a 404)."""
    rate_limits.check(ctx, "pin")
    with ctx.db() as s:
        profiles.set_pinned(s, viewer.id, body.video_id)
        s.commit()
    return user_out(ctx, viewer)


@router.delete("/me/pinned", response_model=UserOut, responses=errors(429, unsafe=True, member=True))
def unpin(ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> UserOut:
    rate_limits.check(ctx, "pin")
    with ctx.db() as s:
        profiles.set_pinned(s, viewer.id, None)
        s.commit()
    return user_out(ctx, viewer)


def people_out(ctx: RequestContext, page: profiles.PeoplePage) -> PeoplePage:
    ids = [row.person.id for row in page.rows]
    mine = ctx.gateway.read(ctx.gateway.home, following_ids, ctx.viewer, ids)
    return PeoplePage(items=[PersonOut(handle=r.person.handle, display_name=r.person.display_name,
                                       avatar_url=avatar_url(r.person), follower_count=r.person.follower_count,
                                       followed_by_me=r.person.id in mine, since=r.since) for r in page.rows],
                      next_cursor=page.next_cursor)


@router.get("/users/{handle}/followers", response_model=PeoplePage, responses=errors(400, 404, crosses=True))
def followers(handle: str, cursor: str | None = None, limit: int = Query(30, ge=1, le=profiles.MAX_PAGE),
              ctx: RequestContext = Depends(get_ctx)) -> PeoplePage:
    """Who follows the member, newest first."""
    _, owner = access_creator(ctx.gateway, handle)
    return people_out(ctx, profiles.followers(ctx.gateway, owner.id, cursor=cursor, limit=limit))


@router.get("/users/{handle}/following", response_model=PeoplePage, responses=errors(400, 404, crosses=True))
def following(handle: str, cursor: str | None = None, limit: int = Query(30, ge=1, le=profiles.MAX_PAGE),
              ctx: RequestContext = Depends(get_ctx)) -> PeoplePage:
    """Whom the member follows, newest first."""
    _, owner = access_creator(ctx.gateway, handle)
    return people_out(ctx, profiles.following(ctx.gateway, owner.id, cursor=cursor, limit=limit))


def liked_page(ctx: RequestContext, owner: OwnerCard, *, cursor: str | None,
               limit: int) -> profiles.VideoMarksPage:
    """The member's Liked tab: theirs to see, anyone's once they made it public; else a 404."""
    after = profiles.decode_cursor(cursor)
    if ctx.viewer is not None and ctx.viewer.id == owner.id:
        marks = ctx.gateway.read(ctx.gateway.home, profiles.own_likes, owner.id, after=after, limit=limit + 1)
    else:
        region = ctx.regions.home_of_user(owner.id)
        found = ctx.gateway.read(region, profiles.public_likes, owner.id, after=after,
                                 limit=limit + 1) if region is not None else None
        if found is None:
            raise NotFound(N_("@%(handle)s keeps their liked videos private."), handle=owner.handle)
        marks = found
    return profiles.video_marks_page(ctx.gateway, marks, ctx.viewer, limit)


@router.get("/users/{handle}/liked", response_model=VideoPage, responses=errors(400, 404, crosses=True))
def liked(handle: str, cursor: str | None = None, limit: int = Query(30, ge=1, le=profiles.MAX_PAGE),
          ctx: RequestContext = Depends(get_ctx)) -> VideoPage:
    _, owner = access_creator(ctx.gateway, handle)
    page = liked_page(ctx, owner, cursor=cursor, limit=limit)
    return VideoPage(items=serialize_cards(ctx.gateway, page.videos, ctx.viewer_id), next_cursor=page.next_cursor)


def saved_page(ctx: RequestContext, viewer: User, *, cursor: str | None, limit: int) -> profiles.VideoMarksPage:
    after = profiles.decode_cursor(cursor)
    marks = ctx.gateway.read(ctx.gateway.home, profiles.saved_marks, viewer.id, after=after, limit=limit + 1)
    return profiles.video_marks_page(ctx.gateway, marks, viewer, limit)


@router.get("/me/saved", response_model=VideoPage, responses=errors(400, member=True, crosses=True))
def saved(cursor: str | None = None, limit: int = Query(30, ge=1, le=profiles.MAX_PAGE),
          ctx: RequestContext = Depends(get_ctx), viewer: User = Depends(require_viewer)) -> VideoPage:
    """The videos you saved, newest first: only you see them."""
    page = saved_page(ctx, viewer, cursor=cursor, limit=limit)
    return VideoPage(items=serialize_cards(ctx.gateway, page.videos, viewer.id), next_cursor=page.next_cursor)


@router.post("/me/avatar", response_model=ProfileOut, responses=errors(body=True, member=True))
def upload_avatar(avatar: UploadFile = File(...), ctx: RequestContext = Depends(get_ctx),
                  viewer: User = Depends(require_viewer)) -> ProfileOut:
    jpeg = read_avatar(avatar.file)
    with ctx.db() as s:
        user = s.get(User, viewer.id)
        assert user is not None
        service.set_avatar(s, ctx.region.blobs, user, jpeg)
        s.commit()
        return profile_out(user)


@public_file_reader
def avatar_file(s: Session, blobs: BlobStore, user_id: str) -> Response:
    """Serve a profile picture (public, like the profile)."""
    user = s.get(User, user_id)
    if user is None or not user.avatar_key:
        raise NotFound(N_("No such picture."))
    note_subjects([user.id])
    return blob_response(blobs, user.avatar_key, media_type="image/jpeg", cache_control=PUBLIC_MEDIA)


@avatar_router.get("/media/avatar/{user_id}", include_in_schema=False)
def avatar(user_id: str, ctx: RequestContext = Depends(get_ctx)) -> Response:
    region = ctx.regions.home_of_user(user_id)
    if region is None:
        raise NotFound(N_("No such picture."))
    return ctx.gateway.serve_file(region, avatar_file, user_id)
