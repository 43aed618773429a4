"""Full-text search over the catalog, kept inside the database and written with it.

- `index.SearchIndex`: the narrow interface an engine implements (FTS5, PostgreSQL FTS).
- `documents`: the searchable document of one service at one location, built from the catalog.
- `hooks`: keeps documents in step with every flush, in the same transaction.
- `query`: one code path for the API and the page (text, synonyms, typos, filters, facets).
"""
