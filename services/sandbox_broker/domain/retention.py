"""Retention of the sandbox logs (日志留存, AUTH-7): how long every log kind is kept.

Seeds: 001 art.24 "经大数据主管部门评估审核后决定终止或撤销运营协议的,应当及时撤销授权运营单位的
公共数据使用权限,及时删除所有授权的相关公共数据,并按照规定留存相关网络日志不少于6个月";
000 §3.3 "授权运营期限届满,市大数据局终止运营机构的公共数据使用权限,并留存相关工作日志".

Theory of operation: while the operator's authorization lives, its logs are kept, full
stop — nothing is purged. The retention is counted from the exit of the authorization
(termination, revocation or expiry), not from each job's end: six calendar months, the
exit day not counted, ending at 24:00 (China time) of the corresponding day of the sixth
month, or of that month's last day when it has none (Civil Code art. 201–203). Every log
kind the broker holds is kept alike: job records (作业记录) with the job's stderr, the
executions and isolation records on disk (network namespace, user, lockdown: the network
logs of a sandbox), import decisions, and the audit chain — which is never purged. Only
after the retention may the broker purge them; before, a purge is refused.
"""

from __future__ import annotations

from datetime import datetime

from contracts.calendar import end_of_months_after
from contracts.errors import Conflict

RETENTION_MONTHS = 6
"""不少于6个月 (001 art.24): the least the logs are kept after the exit."""
LOG_KINDS: tuple[str, ...] = (
    "job records and their stderr",
    "job executions and isolation records (network namespace, user, lockdown)",
    "import decisions",
    "audit chain (never purged)",
)


def retained_until(exit_at: datetime, months: int = RETENTION_MONTHS) -> datetime:
    """The instant from which the logs of an authorization that ended at ``exit_at`` may
    be purged: ``months`` calendar months later, at 24:00 China time of the last day."""
    if months < RETENTION_MONTHS:
        raise ValueError(f"logs are kept at least {RETENTION_MONTHS} months (AUTH-7)")
    return end_of_months_after(exit_at, months)


def check_purgeable(subject: str, *, retain_until: datetime | None, now: datetime) -> None:
    """AUTH-7: a purge before the retention ends is refused — and so is any purge while
    the authorization lives (no exit yet, ``retain_until`` unknown)."""
    if retain_until is None:
        raise Conflict(
            f"the logs of {subject} are kept while the operator's authorization lives; "
            "the retention starts only at its exit",
            rule="AUTH-7",
        )
    if now < retain_until:
        raise Conflict(
            f"the logs of {subject} are kept until {retain_until.isoformat()} "
            f"({RETENTION_MONTHS} calendar months after the authorization's exit)",
            rule="AUTH-7",
        )
