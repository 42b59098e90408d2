"""HTML pages: thin shells over the same services as the JSON API (the feed fetches the API)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from havre.accounts import service as accounts
from havre.accounts import signin
from havre.accounts.avatar import read_avatar
from havre.accounts.models import User
from havre.errors import N_, HavreError, NotFound
from havre.feed import interests
from havre.feed import service as feed
from havre.imports import report as import_report
from havre.portability import deletion
from havre.portability.deletion_grace import WrongPassword
from havre.portability.move import first_happened
from havre.regions import audit
from havre.social import profile as profiles
from havre.social.service import following_ids
from havre.videos.access import access_creator, access_video
from havre.videos.cards import video_of_tiktok_id
from havre.web import i18n, rate_limits
from havre.web.api import accounts as accounts_api
from havre.web.api.interests import suggested
from havre.web.api.shapes import VideoOut, mp4_size, serialize_cards
from havre.web.client_address import client_address
from havre.web.deps import (
    RequestContext,
    clear_session_cookie,
    context_of,
    get_ctx,
    set_session_cookie,
)
from havre.web.rendering import region_label, render, translate

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only same-site paths, so a login link cannot send people elsewhere.
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def _login_redirect(path: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(path)}", status_code=303)


def _feed_page(request: Request, ctx: RequestContext, *, tab: str, api: str, title: str,
               first: list[VideoOut] | None = None, og: dict[str, Any] | None = None,
               cursor: str | None = None) -> Response:
    return render(request, ctx, "feed.html", tab=tab, title=title, og=og,
                  feed={"api": api, "cursor": cursor, "initial": [v.model_dump(mode="json") for v in (first or [])]})


@router.get("/")
def for_you(request: Request, ctx: RequestContext = Depends(get_ctx)) -> Response:
    return _feed_page(request, ctx, tab="foryou", api="/api/feed/foryou", title="Havre")


@router.get("/following")
def following(request: Request, ctx: RequestContext = Depends(get_ctx)) -> Response:
    if ctx.viewer is None:
        return _login_redirect("/following")
    return _feed_page(request, ctx, tab="following", api="/api/feed/following", title="Havre")


@router.get("/tag/{tag}")
def tag(tag: str, request: Request, ctx: RequestContext = Depends(get_ctx)) -> Response:
    return _feed_page(request, ctx, tab="tag", api=f"/api/feed/tag/{quote(tag)}", title=f"#{tag}")


@router.get("/sound/{sound:path}")
def sound(sound: str, request: Request, ctx: RequestContext = Depends(get_ctx)) -> Response:
    return _feed_page(request, ctx, tab="tag", api=f"/api/feed/sound/{quote(sound)}", title=f"♫ {sound}")


@router.get("/v/{video_id}")
def video_page(video_id: str, request: Request, ctx: RequestContext = Depends(get_ctx)) -> Response:
    region, card = access_video(ctx.gateway, video_id, ctx.viewer)
    video = serialize_cards(ctx.gateway, [card], ctx.viewer_id)[0]
    title = f"@{video.owner.handle} on Havre"
    width, height = mp4_size(ctx.gateway, region, card)  # of the og:video file, not of the upload
    og = {"title": title, "description": video.caption,
          "image": ctx.absolute_url(video.poster_url) if video.poster_url else None,
          "video": ctx.absolute_url(video.mp4_url) if video.mp4_url else None,
          "url": ctx.absolute_url(video.url), "width": width, "height": height}
    return _feed_page(request, ctx, tab="video", api="/api/feed/foryou", title=title, first=[video], og=og)


PROFILE_TABS = ("videos", "liked", "saved", "followers", "following")


def _profile_page(handle: str, request: Request, ctx: RequestContext, tab: str,
                  cursor: str | None = None) -> Response:
    """A profile: its header (counts, likes received, follow button) and one tab: the videos (the
    pinned one first), the Liked tab (the member's, or anyone's once public), Saved (the member's
    own only), or the people who follow them or whom they follow."""
    gw = ctx.gateway
    region, owner = access_creator(gw, handle)
    is_me = ctx.viewer is not None and ctx.viewer.id == owner.id
    user = accounts_api.user_out(ctx, owner)
    follows = owner.id in gw.read(gw.home, following_ids, ctx.viewer, [owner.id])
    cards, people, more = [], None, None
    pinned_id = None
    if tab == "videos":
        pinned = profiles.pinned_card(gw, owner, user.pinned_video_id, ctx.viewer)
        found = feed.by_owner(gw, region, owner, ctx.viewer, limit=60).videos
        cards = ([pinned] if pinned else []) + [c for c in found if pinned is None or c.id != pinned.id]
        pinned_id = pinned.id if pinned else None
    elif tab == "liked":
        if not (is_me or user.likes_public):
            raise NotFound(N_("@%(handle)s keeps their liked videos private."), handle=owner.handle)
        page = accounts_api.liked_page(ctx, owner, cursor=cursor, limit=60)
        cards, more = page.videos, page.next_cursor
    elif tab == "saved":
        if ctx.viewer is None or not is_me:
            if ctx.viewer is None:
                return _login_redirect(f"/@{owner.handle}/saved")
            raise NotFound(N_("Only @%(handle)s sees the videos they saved."), handle=owner.handle)
        page = accounts_api.saved_page(ctx, ctx.viewer, cursor=cursor, limit=60)
        cards, more = page.videos, page.next_cursor
    else:
        lister = profiles.followers if tab == "followers" else profiles.following
        listed = accounts_api.people_out(ctx, lister(gw, owner.id, cursor=cursor, limit=60))
        people, more = listed.items, listed.next_cursor
    videos = serialize_cards(gw, cards, ctx.viewer_id)
    return render(request, ctx, "profile.html", owner=user, videos=videos, follows=follows, is_me=is_me,
                  tab=tab, people=people, more=more, pinned_id=pinned_id)


@router.get("/@{handle}")
def profile(handle: str, request: Request, ctx: RequestContext = Depends(get_ctx)) -> Response:
    return _profile_page(handle, request, ctx, "videos")


@router.get("/@{handle}/{tab}")
def profile_tab(handle: str, tab: str, request: Request, cursor: str | None = None,
                ctx: RequestContext = Depends(get_ctx)) -> Response:
    if tab not in PROFILE_TABS[1:]:
        raise NotFound(N_("There is nothing at this address. The link may be mistyped, or the page was removed."))
    return _profile_page(handle, request, ctx, tab, cursor)


@router.get("/@{handle}/video/{video_id}")
def creator_video_page(handle: str, video_id: str, request: Request,
                       ctx: RequestContext = Depends(get_ctx)) -> Response:
    """A video opened from its creator's profile: swiping goes on with that creator's older videos."""
    _, card = access_video(ctx.gateway, video_id, ctx.viewer)
    if card.owner.handle != handle:  # a renamed creator, or a mistyped link: the creator's own address
        return RedirectResponse(f"/@{card.owner.handle}/video/{video_id}", status_code=301)
    video = serialize_cards(ctx.gateway, [card], ctx.viewer_id)[0]
    return _feed_page(request, ctx, tab="creator", api=f"/api/users/{quote(handle)}/videos", title=f"@{handle}",
                      first=[video], cursor=feed.cursor_after(card))


@router.get("/@{handle}/tiktok/{tiktok_id}")
def tiktok_redirect(handle: str, tiktok_id: str, ctx: RequestContext = Depends(get_ctx)) -> Response:
    """Old TikTok links of an imported creator land on the same video here."""
    gw = ctx.gateway
    region, owner = access_creator(gw, handle)
    video_id = gw.read(region, video_of_tiktok_id, owner.id, tiktok_id)
    if video_id is None:
        raise NotFound(N_("This TikTok video was not imported to Havre, or it is not public."))
    return RedirectResponse(f"/v/{video_id}", status_code=301)


@router.get("/import")
def import_page(request: Request, ctx: RequestContext = Depends(get_ctx)) -> Response:
    if ctx.viewer is None:
        return _login_redirect("/import")
    return render(request, ctx, "import.html", run_id=None)


@router.get("/import/{run_id}")
def import_status_page(run_id: str, request: Request, ctx: RequestContext = Depends(get_ctx)) -> Response:
    if ctx.viewer is None:
        return _login_redirect(f"/import/{quote(run_id)}")
    with ctx.db() as s:
        import_report.access_run(s, run_id, ctx.viewer)
    return render(request, ctx, "import.html", run_id=run_id)


@router.get("/upload")
def upload_page(request: Request, ctx: RequestContext = Depends(get_ctx)) -> Response:
    if ctx.viewer is None:
        return _login_redirect("/upload")
    return render(request, ctx, "upload.html", max_mib=ctx.settings.media.max_upload_bytes // 2**20)


# -- accounts ------------------------------------------------------------------------

@router.get("/login")
def login_page(request: Request, next: str = "/", moved: str = "", ctx: RequestContext = Depends(get_ctx)) -> Response:
    # After "Move my data" (settings.js comes here: the move ended the session); only a region's
    # name, so a crafted link cannot put other words on the page.
    return render(request, ctx, "auth.html", mode="login", next=_safe_next(next), error=None, handle="",
                  moved=moved if moved in ctx.regions.names else None)


@router.get("/signup")
def signup_page(request: Request, next: str = "/", ctx: RequestContext = Depends(get_ctx)) -> Response:
    return render(request, ctx, "auth.html", mode="signup", next=_safe_next(next), error=None, handle="",
                  region=ctx.regions.default.name)


def _signed_in(ctx: RequestContext, signed: signin.SignedIn, target: str) -> Response:
    # A login in a deletion's grace period cancelled it: Settings says so.
    response = RedirectResponse("/settings?deletion_cancelled=1" if signed.deletion_cancelled else _safe_next(target),
                                status_code=303)
    set_session_cookie(response, signed.region, signed.token, ctx.settings)
    if signed.user.language in i18n.SUPPORTED:  # the account's choice on this device too
        _remember_language(response, signed.user.language)
    return response


@router.post("/login")
def login(request: Request, handle: str = Form(""), password: str = Form(""), next: str = Form("/"),
          ctx: RequestContext = Depends(get_ctx)) -> Response:
    try:
        signed = signin.log_in(ctx.regions, handle=handle, password=password,
                               client=client_address(request),
                               user_agent=request.headers.get("user-agent", ""),
                               max_failures=ctx.settings.login_max_failures, window_s=ctx.settings.login_window_s)
    except HavreError as exc:
        page = render(request, ctx, "auth.html", status_code=exc.status_code, mode="login",
                      next=_safe_next(next), error=translate(ctx, exc), handle=handle)
        if isinstance(exc, accounts.LoginThrottled):
            page.headers["Retry-After"] = str(exc.retry_after_s)
        return page
    return _signed_in(ctx, signed, next)


@router.post("/signup")
def signup(request: Request, handle: str = Form(""), password: str = Form(""), region: str = Form(""),
           next: str = Form("/"), ctx: RequestContext = Depends(get_ctx)) -> Response:
    try:
        rate_limits.check(ctx, "signup")  # before the password's hash, the costly part
        signed = signin.sign_up(ctx.regions, handle=handle, password=password, region=region or None,
                                user_agent=request.headers.get("user-agent", ""))
    except HavreError as exc:
        page = render(request, ctx, "auth.html", status_code=exc.status_code, mode="signup", next=_safe_next(next),
                      error=translate(ctx, exc), handle=handle, region=region or ctx.regions.default.name)
        if exc.retry_after_s is not None:
            page.headers["Retry-After"] = str(exc.retry_after_s)
        return page
    # Signed up from the feed: "Choose your interests" first, so their first For You is theirs.
    return _signed_in(ctx, signed, "/welcome" if _safe_next(next) == "/" else next)


@router.get("/welcome")
def welcome_page(request: Request, ctx: RequestContext = Depends(get_ctx)) -> Response:
    """The "Choose your interests" page: chips of this instance's hashtags, saved through the API."""
    if ctx.viewer is None:
        return _login_redirect("/welcome")
    offer = suggested(ctx)
    return render(request, ctx, "welcome.html", tags=offer.tags, chosen=set(offer.chosen),
                  max_interests=interests.MAX_INTERESTS)


@router.post("/logout")
def logout(ctx: RequestContext = Depends(get_ctx)) -> Response:
    if ctx.session_token:
        with ctx.db() as s:
            accounts.end_session(s, ctx.session_token)
            s.commit()
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response, ctx.settings)
    return response


# -- settings ------------------------------------------------------------------------

@router.get("/settings")
def settings_page(request: Request, ctx: RequestContext = Depends(get_ctx)) -> Response:
    if ctx.viewer is None:
        return _login_redirect("/settings")
    problem = _deletion_problem(request.query_params)
    return render(request, ctx, "settings.html", error=None, saved=False, **_residency(ctx),
                  delete_error=translate(ctx, problem) if problem else None,
                  deletion_cancelled=request.query_params.get("deletion_cancelled") == "1")


def _deletion_problem(query: Mapping[str, str]) -> HavreError | None:
    """The refusal a failed "Delete my account" redirected here with (``_deletion_refused``): named by
    a code, never by text, so a crafted link cannot put words on the page."""
    if query.get("delete_error") == "password":
        return WrongPassword()
    if query.get("delete_error") == "throttled" and query.get("retry", "").isdigit():
        return accounts.LoginThrottled(int(query["retry"]), account=query.get("account") == "1")
    return None


def _deletion_refused(exc: HavreError) -> str | None:
    """Where a refused deletion sends the browser back to: Settings, saying why (the address
    then names the page shown, and a reload does not post again). None: shown where it is."""
    if isinstance(exc, WrongPassword):
        return "/settings?delete_error=password#delete"
    if isinstance(exc, accounts.LoginThrottled):
        return (f"/settings?delete_error=throttled&retry={exc.retry_after_s}"
                f"&account={int(exc.params.get('hours') is not None)}#delete")
    return None


@router.post("/settings/delete")
def delete_account(request: Request, password: str = Form(""), ctx: RequestContext = Depends(get_ctx)) -> Response:
    """Start the grace period of the viewer's deletion (password confirmed); they are logged out."""
    if ctx.viewer is None:
        return _login_redirect("/settings")
    try:
        when = deletion.request_deletion(ctx.regions, ctx.viewer.id, password,
                                         grace=timedelta(days=ctx.settings.deletion_grace_days),
                                         client=client_address(request))
    except HavreError as exc:
        back = _deletion_refused(exc)
        if back is not None:
            return RedirectResponse(back, status_code=303)
        return render(request, ctx, "settings.html", status_code=exc.status_code, error=translate(ctx, exc),
                      saved=False, **_residency(ctx))
    handle = ctx.viewer.handle
    ctx.viewer = None
    response = render(request, ctx, "goodbye.html", handle=handle, when=when)
    clear_session_cookie(response, ctx.settings)
    return response


def _residency(ctx: RequestContext) -> dict[str, Any]:
    """What the settings page says about where the viewer's data lives and what crossed."""
    assert ctx.viewer is not None
    with ctx.db() as s:
        entries = audit.entries_about(s, ctx.viewer.id)
    crossings = [e for e in entries if e.from_region]
    # As it happened: a moved entry's own date, and the home of then (a crossing "from" what is now
    # the home region came while the data lived elsewhere).
    last = first_happened(crossings[-1], ctx.viewer.home_region) if crossings else None
    return {"region_names": ctx.regions.names, "region_labels": {n: region_label(n) for n in ctx.regions.names},
            "crossings": len(crossings), "last_crossing": crossings[-1] if crossings else None,
            "last_crossed": last,
            "grace_days": round(ctx.settings.deletion_grace_days)}


@router.post("/settings")
def save_settings(request: Request, display_name: str = Form(""), bio: str = Form(""),
                  avatar: UploadFile | None = File(None), ctx: RequestContext = Depends(get_ctx)) -> Response:
    if ctx.viewer is None:
        return _login_redirect("/settings")
    try:
        jpeg = read_avatar(avatar.file) if avatar is not None and avatar.filename else None
        with ctx.db() as s:
            user = s.get(User, ctx.viewer.id)
            assert user is not None
            accounts.update_profile(s, user, display_name=display_name, bio=bio)
            if jpeg is not None:
                accounts.set_avatar(s, ctx.region.blobs, user, jpeg)
            s.commit()
            ctx.viewer = user
    except HavreError as exc:
        return render(request, ctx, "settings.html", status_code=400, error=translate(ctx, exc), saved=False,
                      **_residency(ctx))
    return render(request, ctx, "settings.html", error=None, saved=True, **_residency(ctx))


@router.post("/settings/language")
def set_language(language: str = Form(""), next: str = Form("/"), ctx: RequestContext = Depends(get_ctx)) -> Response:
    """The language picker. A member's choice is saved to their account, so every device of theirs
    reads it; a visitor's is kept in a cookie. "" follows the browser again; an unknown one changes
    nothing."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if language and language not in i18n.SUPPORTED:
        return response
    if ctx.viewer is not None:
        with ctx.db() as s:
            user = s.get(User, ctx.viewer.id)
            assert user is not None
            accounts.set_language(user, language or None)
            s.commit()
    _remember_language(response, language or None)
    return response


def _remember_language(response: Response, language: str | None) -> None:
    """The browser's copy of the choice: a visitor's only record of it, and for a member what the
    answers made before anyone is looked up (an error, a refusal of too many requests) follow."""
    if language is None:
        response.delete_cookie(i18n.LANG_COOKIE, path="/", samesite="lax")
    else:
        response.set_cookie(i18n.LANG_COOKIE, language, max_age=365 * 86400, samesite="lax", path="/")


def render_error(request: Request, status: int, message: str) -> Response:
    ctx = context_of(request)
    return render(request, ctx, "error.html", status_code=status, status=status, message=message)
