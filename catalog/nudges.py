"""The e-mail that nudges a provider whose figure went stale: a row of the outbox with a signed
link to update that service's figures, queued by `linkage worker` on each pass.

One nudge per stale figure: the dedupe key is the figure and the time it was given
(`stale:<capacity id>:<updated>`), so however often or by however many workers the scan runs,
a figure that stays stale is one e-mail, and the next time it goes stale (a newer `updated`)
brings the next. It goes to the service's e-mail, else its organization's; with neither,
none (the provider's accounts see the nudge in the app, and coordinators see the service in
`/provider/stale`). It holds the service's name, the figure as last known and the link, in
the deployment's language (`LINKAGE_MAIL_LANGUAGE`), since outside a request nobody's own
choice is known.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import provider, rules
from kernel import links, outbox
from kernel.db import utcnow

LINK_TTL = dt.timedelta(days=7)


def nudge_key(figure: provider.StaleFigure) -> str:
    """One nudge per figure and the time it was given."""
    return f"stale:{figure.capacity_id}:{figure.updated.isoformat()}"


def nudge_stale(
    session: Session,
    *,
    base_url: str,
    language: str,
    max_ages: rules.MaxAges,
    now: dt.datetime | None = None,
    limit: int = 1000,
) -> list[uuid.UUID]:
    """Queue a nudge for each stale figure not yet nudged for its time; the ids of the rows
    queued. A link is made only for a figure whose nudge is not queued yet."""
    now = now or utcnow()
    found = [f for f in provider.stale_figures(session, now, max_ages) if f.contact][:limit]
    if not found:
        return []
    keys = [nudge_key(f) for f in found]
    queued = set(
        session.scalars(
            select(outbox.OutboxMessage.dedupe_key).where(outbox.OutboxMessage.dedupe_key.in_(keys))
        )
    )
    done = []
    for figure, key in zip(found, keys, strict=True):
        if key in queued or figure.contact is None:
            continue
        token = links.make_link(session, provider.LINK_PURPOSE, figure.service_id, ttl=LINK_TTL, now=now)
        with force_locale(language):
            subject = _("Is this still right? %(service)s", service=figure.service)
            body = render_template(
                "mail/capacity_stale.txt",
                service=figure.service,
                figure=figure.sentence,
                url=base_url.rstrip("/") + provider.LINK_PATH + token,
                expires_at=now + LINK_TTL,
            )
        row = outbox.enqueue(
            session, recipient=figure.contact, subject=subject, body_text=body, dedupe_key=key
        )
        done.append(row.id)
        queued.add(key)
    return done
