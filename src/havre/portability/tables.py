"""Every table of the instance, imported so that ``metadata`` knows them all: the migrations, and
the work across every domain's data that this package does (export, move, deletion, residency).

It sits above the domains: nothing below may import it, so no domain depends on another's tables
through here.
"""

from havre.accounts import models as accounts_models  # noqa: F401
from havre.db.base import Base
from havre.feed import interests as feed_interests  # noqa: F401
from havre.feed import lists as feed_lists  # noqa: F401
from havre.imports import models as imports_models  # noqa: F401
from havre.jobs import models as jobs_models  # noqa: F401
from havre.portability import models as portability_models  # noqa: F401
from havre.ratelimit import RateCounter  # noqa: F401
from havre.recs import events as recs_events  # noqa: F401
from havre.recs import signals as recs_signals  # noqa: F401
from havre.regions import audit as audit_models  # noqa: F401
from havre.social import counters as counters_models  # noqa: F401
from havre.social import models as social_models  # noqa: F401
from havre.videos import models as videos_models  # noqa: F401

metadata = Base.metadata
