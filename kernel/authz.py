"""Who each route admits, declared on the route and enforced in one place.

Every view carries an `@admits(...)` declaration; `enforce` runs before every request, after
`accounts` has set the identity (a signed-in session or an API token), and refuses what the
declaration does not allow. A route without a declaration is refused (and a test walks
`app.url_map` so none ships). Domain packages declare with plain role names and scopes, so
they need not import `accounts`:

    @bp.get("/admin/audit")
    @admits("admin", scope="audit:read")
    def audit_log(): ...

Kinds of declaration:
- `ANYONE`: the sign-in page, the API description; open even when the catalog is not.
- `CATALOG`: browsing and searching the directory; open to all unless the deployment sets
  `LINKAGE_PUBLIC_CATALOG=0`, then to any signed-in person or a token with `catalog:read`.
- `SIGNED_IN`: any signed-in person or token (one's own account, `GET /api/v1/me`).
- role names, with an optional `scope`: these roles only; a token must also hold the scope
  (scopes narrow what a user may do, never widen it). A tuple of scopes admits a token
  holding any one of them (the metrics read by `metrics:read` or `referrals:read`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, redirect, request, url_for

from kernel.errors import Problem, problem_response, wants_json
from kernel.identity import Identity, current_identity

ROLES = ("social_worker", "officer", "provider", "coordinator", "admin")
ANYONE = "anyone"
CATALOG = "catalog"
SIGNED_IN = "signed_in"
CATALOG_SCOPE = "catalog:read"
# Flask's own endpoint for static files: CSS and icons are public on every deployment.
UNDECLARED_PUBLIC = frozenset({"static"})

NEEDS_TOKEN = "This needs an API token: send Authorization: Bearer <token>."  # noqa: S105 (a sentence)
NOT_ALLOWED_PAGE = "Your account may not open this page."
NOT_ALLOWED_JSON = "This account may not do this."

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Admits:
    kind: str  # ANYONE, CATALOG, SIGNED_IN, or "roles"
    roles: frozenset[str] = frozenset()
    scope: str | None = None  # the scope a token needs (the first of `scopes`)
    scopes: tuple[str, ...] = ()  # a token needs any one of these

    def describe(self) -> str:
        if self.kind != "roles":
            return self.kind
        who = ", ".join(sorted(self.roles))
        return who + (f" (token scope {' or '.join(self.scopes)})" if self.scopes else "")


def admits(*who: str, scope: str | tuple[str, ...] | None = None) -> Callable[[F], F]:
    """Declare who a route admits: `ANYONE`, `CATALOG`, `SIGNED_IN`, or role names (and the
    token scope they need, or a tuple of scopes any one of which will do)."""
    kinds = {ANYONE, CATALOG, SIGNED_IN}
    if len(who) == 1 and who[0] in kinds:
        if scope is not None:
            raise ValueError(f"{who[0]} takes no scope")
        rule = Admits(who[0])
    else:
        unknown = [w for w in who if w not in ROLES]
        if not who or unknown:
            raise ValueError(f"admits() takes ANYONE, CATALOG, SIGNED_IN or roles of {ROLES}, not {who}")
        scopes = (scope,) if isinstance(scope, str) else tuple(scope or ())
        rule = Admits("roles", frozenset(who), scopes[0] if scopes else None, scopes)

    def mark(view: F) -> F:
        view.__admits__ = rule  # type: ignore[attr-defined]
        return view

    return mark


def declaration(app: Flask, endpoint: str | None) -> Admits | None:
    """The declaration of an endpoint's view, or None when it has none."""
    if endpoint is None:
        return None
    view = app.view_functions.get(endpoint)
    return getattr(view, "__admits__", None)


def decide(rule: Admits, who: Identity, public_catalog: bool) -> int | None:
    """None when `who` is admitted; else 401 (sign in first) or 403 (signed in, not allowed)."""
    if rule.kind == ANYONE:
        return None
    if rule.kind == CATALOG and public_catalog:
        return None
    if not who.authenticated:
        return 401
    if rule.kind == CATALOG:
        return None if who.scopes is None or CATALOG_SCOPE in who.scopes else 403
    if rule.kind == SIGNED_IN:
        return None
    if who.role not in rule.roles:
        return 403
    if rule.scopes and who.scopes is not None and not set(rule.scopes) & who.scopes:
        return 403
    return None


def _refusal(status: int, rule: Admits, who: Identity) -> Any:
    if status == 401:
        if wants_json():
            resp = problem_response(
                Problem(401, "This needs an API token: send Authorization: Bearer <token>.")
            )
            resp.headers["WWW-Authenticate"] = 'Bearer realm="linkage"'
            return resp
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=target))
    if rule.kind == "roles" and who.role in rule.roles and rule.scopes:
        detail = f"This token lacks the scope {' or '.join(rule.scopes)}."
        refusal = Problem(403, detail, required_scope=rule.scope)
        if len(rule.scopes) > 1:
            refusal.extra["required_scopes"] = list(rule.scopes)
        return problem_response(refusal)
    if rule.kind == CATALOG:
        detail = f"This token lacks the scope {CATALOG_SCOPE}."
        return problem_response(Problem(403, detail, required_scope=CATALOG_SCOPE))
    raise Problem(
        403, "Your account may not open this page." if not wants_json() else "This account may not do this."
    )


def enforce() -> Any:
    """Before every request: refuse what the route's declaration does not admit."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in UNDECLARED_PUBLIC:
        return None  # no route (a 404 or 405 follows) or a static file
    rule = declaration(current_app, endpoint)
    if rule is None:
        current_app.logger.error("route %s has no @admits declaration; refused", endpoint)
        raise Problem(403, "This route declares no access rule, so it is closed.")
    who = current_identity()
    status = decide(rule, who, current_app.config["PUBLIC_CATALOG"])
    return None if status is None else _refusal(status, rule, who)


def undeclared(app: Flask) -> list[str]:
    """Endpoints of `app` with no declaration (the url_map test wants none)."""
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in UNDECLARED_PUBLIC and declaration(app, rule.endpoint) is None
    )


def may_change_organization(who: Identity, organization_ids: Iterable[Any]) -> bool:
    """Providers change only their own organizations' records; admins change any."""
    if who.role == "admin":
        return True
    return who.role == "provider" and bool(set(organization_ids) & who.organizations)


def install(app: Flask) -> None:
    """Run `enforce` after every other before-request function (they set the identity)."""
    app.before_request(enforce)
