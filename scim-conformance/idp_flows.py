"""The flows an identity provider runs, with scim2-client against a live AccessGraph:
create a user, deactivate, reactivate, rename, create a group, add and remove members, delete.
Exits non-zero on the first unexpected answer.

Usage: idp_flows.py SCIM_BASE_URL TOKEN
"""

import sys
import uuid

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Email, Group, GroupMember, Name, PatchOp, PatchOperation, User

NR = "urn:ietf:params:scim:schemas:extension:newrelic:2.0:User"


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok  {what}")


def patch(model, *operations):
    return PatchOp[model](operations=[PatchOperation[model](**op) for op in operations])


def main() -> None:
    base, token = sys.argv[1], sys.argv[2]
    scim = SyncSCIMClient(Client(base_url=base, headers={"Authorization": f"Bearer {token}"}))
    scim.discover()
    email = f"idp-{uuid.uuid4().hex[:8]}@example.com"

    user = scim.create(
        User(user_name=email, name=Name(given_name="Ada", family_name="Lovelace"), emails=[Email(value=email, primary=True)], active=True)
    )
    check(user.id is not None and user.user_name == email, "create user")
    found = scim.query(User, query_parameters={"filter": f'userName eq "{email.upper()}"'})
    check(found.total_results == 1 and found.resources[0].id == user.id, "find the user by userName (case-insensitive)")

    off = scim.modify(User, user.id, patch(User, {"op": "replace", "path": "active", "value": False}))
    check(off is None or off.active is False, "deactivate")
    check(scim.query(User, user.id).active is False, "the user reads as inactive")
    on = scim.modify(User, user.id, patch(User, {"op": "replace", "path": "active", "value": True}))
    check(on is None or on.active is True, "reactivate")

    renamed_email = f"renamed-{email}"
    replaced = scim.replace(
        User(
            id=user.id,
            user_name=renamed_email,
            name=Name(given_name="Augusta", family_name="King"),
            emails=[Email(value=renamed_email, primary=True)],
            active=True,
        )
    )
    check(replaced.user_name == renamed_email and replaced.name.given_name == "Augusta", "rename (PUT)")

    other = scim.create(User(user_name=f"other-{email}", active=True))
    group = scim.create(Group(display_name=f"IdP group {uuid.uuid4().hex[:6]}", members=[GroupMember(value=user.id)]))
    check(group.id is not None and [m.value for m in group.members or []] == [user.id], "create group with a member")
    added = scim.modify(Group, group.id, patch(Group, {"op": "add", "path": "members", "value": [{"value": other.id}]}))
    members = {m.value for m in (scim.query(Group, group.id).members or [])}
    check(members == {user.id, other.id}, "add a member")
    scim.modify(Group, group.id, patch(Group, {"op": "remove", "path": f'members[value eq "{user.id}"]'}))
    members = {m.value for m in (scim.query(Group, group.id).members or [])}
    check(members == {other.id}, "remove a member by value filter")
    del added

    scim.delete(Group, group.id)
    scim.delete(User, user.id)
    scim.delete(User, other.id)
    gone = scim.query(User, query_parameters={"filter": f'userName eq "{renamed_email}"'})
    check(gone.total_results == 0, "delete group and users")
    print("IdP flows: all passed")


if __name__ == "__main__":
    main()
