"""The signed links referrals use (accept and decline from an e-mail): the implementation is
`kernel.links`, shared with the provider's capacity links (`catalog.provider_views`); this
module names it where the referral code has always found it."""

from kernel.links import (
    DEFAULT_TTL,
    PREFIX,
    LinkError,
    LinkExpired,
    LinkRevoked,
    LinkUnknown,
    LinkUsed,
    SignedLink,
    check_link,
    make_link,
    revoke_links,
    use_link,
)

__all__ = [
    "DEFAULT_TTL",
    "PREFIX",
    "LinkError",
    "LinkExpired",
    "LinkRevoked",
    "LinkUnknown",
    "LinkUsed",
    "SignedLink",
    "check_link",
    "make_link",
    "revoke_links",
    "use_link",
]
