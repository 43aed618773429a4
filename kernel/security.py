"""Headers on every response, and the address of the person behind a reverse proxy.

The policy allows nothing from other origins and no inline script or style, so a page that
slipped a foreign font or an inline handler in would break in every browser test, not only
in production. Responses to a signed-in person or a token, and every page that is not the
public catalog, are `no-store`: a shared computer's back button or a proxy's cache must not
show someone else's client or referral data.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from kernel.authz import CATALOG, declaration
from kernel.identity import current_identity

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        # The field view's service worker (/field/sw.js) is ours; no other origin's.
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
}


def _cacheable() -> bool:
    """Only the public catalog asked anonymously, and static files, may be kept by a cache."""
    if request.endpoint == "static":
        return True
    if current_identity().authenticated:
        return False
    rule = declaration(current_app, request.endpoint)
    return rule is not None and rule.kind == CATALOG and current_app.config["PUBLIC_CATALOG"]


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not _cacheable():
        response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    app.after_request(_headers)
    install_proxy(app)


def install_proxy(app: Flask) -> None:
    """Behind `LINKAGE_PROXY_HOPS` proxies, read the person's address and scheme from them."""
    hops = int(app.config["PROXY_HOPS"])
    if hops:
        # Trust exactly this many proxies' X-Forwarded-For/-Proto/-Host, no more: a client
        # cannot forge its address past the deployment's own proxy.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )
