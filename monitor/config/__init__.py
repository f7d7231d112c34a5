"""Configuration: what the admins write and what the environment says, validated once.

    sources_yaml   sources.yaml: brands, sources, alerts, hosts -> a frozen `Config`
    yaml_lines     YAML loaded with the line of every value, for `file:line: path` errors
    schedule       schedules as people write them (`every 2h`, `daily at 08:00`)
    host_policy    the `hosts:` entries: how hard monitor may press one host
    diff           what changed between two configurations, for a live reload
    environment    MONITOR_* variables: database, SMTP, paths, secrets (never in sources.yaml)

The source types' own config models live with them in `sources/`; `sources_yaml` puts
them together with brands, alerts and hosts.
"""
