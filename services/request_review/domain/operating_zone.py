"""Operating zones per domain (运营专区) and county pilots (区县试点) on the city platform (FED-3).

A zone is a configured scope: the resources that belong to it, the application
scenarios (应用场景) run in it and the developers (开发利用主体) admitted to it. Theory of
operation: ``parse_zones`` turns the platform's configuration into zones and refuses an
inconsistent one (a resource, scenario or domain in two zones, a pilot county outside
the platform); a scenario belongs to the zone that lists it or to the zone of its
domain; ``check_application`` is asked for every application (一场景一申请): a zone's
resource is used only under one of that zone's scenarios, by one of its developers, and
never together with another zone's resources. Resources outside every zone are not
limited by this rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from contracts.errors import DomainError
from contracts.topics import REGION_PATTERN


@dataclass(frozen=True, slots=True)
class OperatingZone:
    """运营专区: one domain's scope on the city platform."""

    code: str
    domain: str
    """The domain (领域) it serves, as scenarios name theirs (``医疗健康``, ``交通运输``):
    every scenario of that domain runs in this zone, besides those listed."""
    name: str
    resources: frozenset[str]
    scenarios: frozenset[str]
    developers: frozenset[str]
    pilot_region: str = ""
    """A county running its pilot (区县试点) in this zone; empty for a city-wide zone."""


def _ids(raw: Mapping[str, Any], key: str, code: str) -> frozenset[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DomainError(
            f"operating zone {code!r}: {key} must be a list of ids", rule="FED-3", field=key
        )
    return frozenset(value)


def _county_of(county: str, city: str) -> bool:
    """True if ``county`` is a county-level code (区县) inside the city ``city``."""
    return bool(
        REGION_PATTERN.match(county)
        and city.endswith("00")
        and not city.endswith("0000")
        and county[:4] == city[:4]
        and not county.endswith("00")
    )


def parse_zones(
    raw: Sequence[Mapping[str, Any]], platform_region: str
) -> tuple[OperatingZone, ...]:
    """FED-3: the zones the platform's configuration declares, checked for consistency."""
    zones: list[OperatingZone] = []
    owner_of: dict[tuple[str, str], str] = {}
    for entry in raw:
        code = entry.get("code")
        if not isinstance(code, str) or not code:
            raise DomainError("an operating zone has no code", rule="FED-3", field="code")
        if any(z.code == code for z in zones):
            raise DomainError(f"operating zone {code!r} declared twice", rule="FED-3", field="code")
        pilot = str(entry.get("pilot_region", ""))
        if pilot and not _county_of(pilot, platform_region):
            raise DomainError(
                f"operating zone {code!r}: pilot region {pilot} is not a county of "
                f"platform {platform_region}",
                rule="FED-3",
                field="pilot_region",
            )
        zone = OperatingZone(
            code=code,
            domain=str(entry.get("domain", "")),
            name=str(entry.get("name", code)),
            resources=_ids(entry, "resources", code),
            scenarios=_ids(entry, "scenarios", code),
            developers=_ids(entry, "developers", code),
            pilot_region=pilot,
        )
        domains = frozenset({zone.domain} if zone.domain else set())
        for kind, ids in (
            ("resources", zone.resources),
            ("scenarios", zone.scenarios),
            ("domains", domains),
        ):
            for item in ids:
                other = owner_of.setdefault((kind, item), code)
                if other != code:
                    raise DomainError(
                        f"{kind[:-1]} {item} belongs to operating zones {other!r} and {code!r}; "
                        "a zone's scope is its own",
                        rule="FED-3",
                        field=kind if kind != "domains" else "domain",
                    )
        zones.append(zone)
    return tuple(zones)


def zone_of_resource(zones: Iterable[OperatingZone], resource_id: str) -> OperatingZone | None:
    return next((z for z in zones if resource_id in z.resources), None)


def _of_domain(zone: OperatingZone, domain: str) -> bool:
    return bool(domain) and zone.domain == domain


def check_application(
    zones: Sequence[OperatingZone],
    *,
    developer_org_id: str,
    scenario_id: str,
    resource_ids: Sequence[str],
    scenario_domain: str = "",
) -> OperatingZone | None:
    """FED-3: the zone the application falls in (None when none of its resources and not
    its scenario belong to a zone); refused when it crosses a zone's scope."""
    touched = {z.code: z for r in resource_ids if (z := zone_of_resource(zones, r))}
    scenario_zone = next(
        (z for z in zones if scenario_id in z.scenarios or _of_domain(z, scenario_domain)), None
    )
    if scenario_zone is not None:
        touched.setdefault(scenario_zone.code, scenario_zone)
    if not touched:
        return None
    if len(touched) > 1:
        raise DomainError(
            f"the application combines resources of operating zones {sorted(touched)}; "
            "one application stays within one zone",
            rule="FED-3",
            field="resources",
        )
    (zone,) = touched.values()
    if scenario_id not in zone.scenarios and not _of_domain(zone, scenario_domain):
        raise DomainError(
            f"scenario {scenario_id} is not one of operating zone {zone.code!r} ({zone.name})",
            rule="FED-3",
            field="scenario_id",
        )
    if developer_org_id not in zone.developers:
        raise DomainError(
            f"developer {developer_org_id} is not admitted to operating zone {zone.code!r} "
            f"({zone.name})",
            rule="FED-3",
            field="developer_org_id",
        )
    outside = [r for r in resource_ids if r not in zone.resources]
    if outside:
        raise DomainError(
            f"resources {outside} are not in operating zone {zone.code!r}; a zone's scenario "
            "uses only its zone's resources",
            rule="FED-3",
            field="resources",
        )
    return zone
