"""Configuration: what the admins write and what the environment says, validated once.

    sources_yaml   sources.yaml: brands, sources, alerts, hosts -> a frozen `Config`
    yaml_lines     YAML loaded with the line of every value, for `file:line: path` errors
    schedule       durations and schedules as people write them (`every 2h`, `daily at 08:00`)
    host_policy    the `hosts:` entries: how hard monitor may press one host
    diff           what changed between two configurations, for a live reload
    environment    MONITOR_* variables: database, SMTP, paths, secrets (never in sources.yaml)

The package itself imports nothing, so the source types (which use `schedule` for their
fields) and `sources_yaml` (which validates them) can both live beside it.
"""
