"""The coordinator dashboard: referral outcomes, repeat contacts, unmet need and catalog
health, as figures computed in SQL from the records themselves, drawn as server-side SVG
with a table and a CSV of the same numbers beside each picture."""
