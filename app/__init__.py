"""The application factory: reads config, registers extensions, blueprints, errors and CLI."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Flask

from catalog import changelog
from field import needs as field_needs
from kernel import assets, authz, i18n, security
from kernel.config import ConfigError, load_config
from kernel.db import Database
from kernel.errors import register_error_handlers
from kernel.templating import register_filters
from matching.weights import Weights, WeightsError
from referrals import history
from search import hooks as search_hooks

ROOT = Path(__file__).resolve().parent.parent

# "module:attribute" of each blueprint, in registration order.
BLUEPRINTS = [
    "kernel.openapi:bp",
    "kernel.i18n:bp",
    "accounts.views:bp",
    "accounts.admin_views:bp",
    "accounts.api:bp",
    "catalog.views:bp",
    "catalog.api:bp",
    "catalog.admin_views:bp",
    "catalog.capacity_upload:bp",
    "catalog.provider_views:bp",
    "catalog.details_views:bp",
    "search.views:bp",
    "search.admin_views:bp",
    "importers.admin_views:bp",
    "field.views:bp",
    "matching.views:bp",
    "hsds.api:bp",
    "referrals.fhir_api:bp",
    "referrals.inbox:bp",
    "referrals.pages:bp",
    "referrals.draft_pages:bp",
    "referrals.lists:bp",
    "referrals.api:bp",
    "dashboard.views:bp",
    "dashboard.api:bp",
    "dashboard.health_views:bp",
]

# "module:attribute" of each CLI command or group.
COMMANDS = [
    "app.commands:init_command",
    "accounts.cli:user_group",
    "accounts.cli:team_group",
    "accounts.cli:audit_group",
    "accounts.cli:token_group",
    "demo.cli:demo_command",
    "hsds.cli:export_group",
    "importers.cli:import_command",
    "importers.cli:duplicates_group",
    "search.cli:index_group",
    "search.cli:synonyms_group",
    "referrals.cli:worker_command",
    "referrals.cli:outbox_group",
]


def _load(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def _check_weights(weights: dict[str, float]) -> None:
    """Component names are matching's to know; a wrong one stops the app at start, not each match."""
    try:
        Weights.default().with_overrides(weights, "LINKAGE_MATCH_WEIGHTS")
    except WeightsError as exc:
        raise ConfigError(str(exc)) from None


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build an app; several can live in one process (tests, several data dirs)."""
    app = Flask(
        "linkage",
        root_path=str(ROOT),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(config))
    _check_weights(app.config["MATCH_WEIGHTS"])
    field_needs.check(app.config["FIELD_NEEDS"])
    # The catalog's writers: the app's sessions are CatalogSessions with these on them.
    changelog.install()
    search_hooks.install()
    Database().init_app(app)
    register_error_handlers(app)
    i18n.install(app)
    for ref in BLUEPRINTS:
        app.register_blueprint(_load(ref))
    authz.install(app)  # after the blueprints: their before-request functions set the identity
    security.install(app)
    assets.install(app)
    for ref in COMMANDS:
        app.cli.add_command(_load(ref))
    register_filters(app)
    # Matching ranks by each provider's follow-through, which only referrals know (siblings).
    app.extensions["follow_through"] = history.follow_through
    return app
