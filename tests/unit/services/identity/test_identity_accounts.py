"""Organizations, users and machine clients: who registers what, and what a sign-in may
carry. Pure."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contracts.errors import DomainError, Forbidden
from contracts.events import OrgRegistered
from services.identity.domain import account
from services.identity.domain.account import EXCHANGE_SCOPES, Client, User
from services.identity.domain.organization import Organization, RegisterOrganization, register
from tests.unit.services.identity.factories import NOW, OPERATOR_CODE

ORG = RegisterOrganization(
    name="淄博数据运营有限公司", role="operator", region="370303", credit_code=OPERATOR_CODE
)


def registered(
    cmd: RegisterOrganization = ORG, **facts: object
) -> tuple[Organization, OrgRegistered]:
    base: dict[str, object] = {
        "actor_role": "bureau",
        "actor_covers": True,
        "platform_covers": True,
        "now": NOW,
        "actor_org_id": "org-370300-bureau",
    }
    base.update(facts)
    return register(cmd, **base)  # type: ignore[arg-type]


def test_AUTH_1_the_bureau_registers_an_organization_and_it_is_announced() -> None:
    org, event = registered()
    assert org.org_id == f"org-{OPERATOR_CODE}" and org.region == "370303"
    assert event.credit_code == OPERATOR_CODE and event.role == "operator"
    with pytest.raises(Forbidden) as refused:
        registered(actor_role="provider")
    assert refused.value.rule == "AUTH-1"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": " "}, "name"),
        ({"role": "public"}, "role"),
        ({"region": "379900"}, "region"),
        ({"credit_code": "91350100M000100Y44"}, "credit_code"),
    ],
)
def test_registration_refusals_name_the_field(overrides: dict[str, str], field: str) -> None:
    with pytest.raises(DomainError) as refused:
        registered(replace(ORG, **overrides))
    assert refused.value.field == field


def test_a_bureau_registers_only_inside_its_jurisdiction_and_this_platform() -> None:
    with pytest.raises(Forbidden, match="outside"):
        registered(actor_covers=False)
    with pytest.raises(DomainError, match="not served by this platform"):
        registered(platform_covers=False)


def test_users_hold_their_organizations_role_with_a_decent_password() -> None:
    assert account.check_new_user("op.admin", "a-long-password", (), org_role="operator") == (
        "operator",
    )
    with pytest.raises(Forbidden):
        account.check_new_user("op.admin", "a-long-password", ("bureau",), org_role="operator")
    for username, password, field in (
        ("Op", "a-long-password", "username"),
        ("op.admin", "short", "password"),
        ("op.admin", "xx-op.admin-xx", "password"),
    ):
        with pytest.raises(DomainError) as refused:
            account.check_new_user(username, password, (), org_role="operator")
        assert refused.value.field == field


def test_a_sign_in_acts_in_one_role() -> None:
    user = User("a", "org", "370300", ("operator",), "hash", NOW)
    assert account.role_for_login(user, None) == "operator"
    with pytest.raises(Forbidden):
        account.role_for_login(user, "bureau")
    two = replace(user, roles=("operator", "developer"))
    with pytest.raises(DomainError, match="name one"):
        account.role_for_login(two, None)


def test_machine_clients_belong_to_the_exchange_and_tokens_never_widen_scopes() -> None:
    with pytest.raises(Forbidden):
        account.check_new_client((), org_role="operator")
    assert set(account.check_new_client((), org_role="exchange")) == EXCHANGE_SCOPES
    with pytest.raises(DomainError, match="unknown scope"):
        account.check_new_client(("admin",), org_role="exchange")
    client = Client("cli", "org-x", "370300", "撮合", ("orders:write", "products:read"), "h", NOW)
    assert account.scopes_for_client(client, ()) == client.scopes
    assert account.scopes_for_client(client, ("products:read",)) == ("products:read",)
    with pytest.raises(Forbidden, match="settlements:write"):
        account.scopes_for_client(client, ("settlements:write",))
