"""Cards by key (``visible_videos``) and the viewer's marks on them, for lists of every size the
fixed-size statements meet (havre.db.slots): each asked for is found once, in the order asked."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from havre.accounts import signin
from havre.accounts.models import Follow
from havre.regions import Regions
from havre.social.models import Like
from havre.social.service import marks_on_cards
from havre.videos.cards import visible_videos
from havre.videos.models import FOLLOWERS_VIS, PRIVATE_VIS, Video
from tests.feed.rows import add_videos

PASSWORD = "a long enough password"


@pytest.mark.parametrize("count", [0, 1, 9, 10, 11, 50, 51, 120])
def test_cards_come_back_in_the_order_asked_whatever_the_count(regions: Regions, count: int) -> None:
    signin.sign_up(regions, handle="maker", password=PASSWORD, open_session=False)
    ids = add_videos(regions, "maker", [f"clip {n} #Tag{n % 3} #tag{n % 3}" for n in range(max(count, 1))])[:count]
    asked = list(reversed(ids)) + ids[:2]  # any order, a repeat or two
    with regions.default.session() as s:
        cards = visible_videos(s, asked)
    assert [c.id for c in cards] == [i for i in asked if i in ids]
    if cards:
        assert cards[0].owner.handle == "maker"
        assert cards[0].hashtags == (f"tag{int(cards[0].caption.split()[1]) % 3}",)


def test_cards_leave_out_private_and_followers_only_videos_unless_followed(regions: Regions) -> None:
    maker = signin.sign_up(regions, handle="maker", password=PASSWORD, open_session=False).user
    fan = signin.sign_up(regions, handle="fan", password=PASSWORD, open_session=False).user
    public, private, close = add_videos(regions, "maker", ["public", "private", "followers only"])
    with regions.default.session() as s:
        s.execute(update(Video).where(Video.id == private).values(visibility=PRIVATE_VIS))
        s.execute(update(Video).where(Video.id == close).values(visibility=FOLLOWERS_VIS))
        s.add(Follow(follower_id=fan.id, followee_id=maker.id))
        s.commit()
        assert [c.id for c in visible_videos(s, [public, private, close, "nosuchvideo"])] == [public]
        assert [c.id for c in visible_videos(s, [close, public], followed_owner_ids=(maker.id,))] == [close, public]


def test_marks_cover_every_card_of_a_long_page(regions: Regions) -> None:
    fan = signin.sign_up(regions, handle="fan", password=PASSWORD, open_session=False).user
    makers = [signin.sign_up(regions, handle=f"maker{n}", password=PASSWORD, open_session=False).user
              for n in range(60)]
    videos = [add_videos(regions, maker.handle, ["one", "two"]) for maker in makers]
    flat = [v for pair in videos for v in pair]
    with regions.default.session() as s:
        s.add_all(Like(user_id=fan.id, video_id=pair[1]) for pair in videos)
        s.add_all(Follow(follower_id=fan.id, followee_id=maker.id) for maker in makers[::2])
        s.commit()
        liked, followed = marks_on_cards(s, fan.id, flat, [m.id for m in makers])
        assert liked == {pair[1] for pair in videos}
        assert followed == {m.id for m in makers[::2]}
        assert marks_on_cards(s, fan.id, flat[:3], []) == ({videos[0][1]}, set())
        assert marks_on_cards(s, None, flat, [m.id for m in makers]) == (set(), set())
