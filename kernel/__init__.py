"""The kernel every domain package uses: database base and session, problem documents, the
OpenAPI registry, settings, templating filters and the geocode cache.

It imports no domain package (an import-linter contract keeps it so), which is what lets
every domain import it without a circle.
"""
