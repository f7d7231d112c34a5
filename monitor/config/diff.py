"""What changed between two configurations, so a reload reschedules only that. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from monitor.config.sources_yaml import Config


@dataclass(frozen=True, slots=True)
class Changes:
    sources_added: tuple[str, ...] = ()
    sources_removed: tuple[str, ...] = ()
    sources_changed: tuple[str, ...] = ()
    alerts_added: tuple[str, ...] = ()
    alerts_removed: tuple[str, ...] = ()
    alerts_changed: tuple[str, ...] = ()
    brands_changed: bool = False
    # Settings other than the fetcher's: they apply at once, to every job (time zone,
    # default interval, backfill, languages, admins…), so every job is rescheduled.
    settings_changed: bool = False
    # What the process's one HTTP client was built with (hosts:, settings.contact and
    # settings.robots_user_agent): a restart picks them up, and the log says so.
    needs_restart: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return any(
            (self.sources_added, self.sources_removed, self.sources_changed, self.alerts_added,
             self.alerts_removed, self.alerts_changed, self.brands_changed,
             self.settings_changed, self.needs_restart)
        )  # fmt: skip


def changes(old: Config, new: Config) -> Changes:
    old_sources = {s.name: s for s in old.sources}
    new_sources = {s.name: s for s in new.sources}
    old_alerts = {a.name: a for a in old.alerts}
    new_alerts = {a.name: a for a in new.alerts}
    fetcher_bound = ("contact", "robots_user_agent")
    restart = tuple(
        part
        for part, before, after in (
            *(
                (f"settings.{name}", getattr(old.settings, name), getattr(new.settings, name))
                for name in fetcher_bound
            ),
            ("hosts", old.hosts, new.hosts),
        )
        if before != after
    )
    rest = {name: value for name, value in old.settings if name not in fetcher_bound}
    settings_changed = rest != {n: v for n, v in new.settings if n not in fetcher_bound}
    return Changes(
        sources_added=tuple(n for n in new_sources if n not in old_sources),
        sources_removed=tuple(n for n in old_sources if n not in new_sources),
        sources_changed=tuple(
            n for n in new_sources if n in old_sources and new_sources[n] != old_sources[n]
        ),
        alerts_added=tuple(n for n in new_alerts if n not in old_alerts),
        alerts_removed=tuple(n for n in old_alerts if n not in new_alerts),
        alerts_changed=tuple(
            n for n in new_alerts if n in old_alerts and new_alerts[n] != old_alerts[n]
        ),
        brands_changed=old.brands != new.brands,
        settings_changed=settings_changed,
        needs_restart=restart,
    )
