"""Times provisioning over SCIM: USERS users, GROUPS groups and MEMBERSHIPS memberships (each group
gets its members in one PATCH add), with THREADS concurrent clients, as an identity provider would.

Usage: bench.py SCIM_BASE_URL TOKEN [USERS GROUPS MEMBERSHIPS THREADS]
"""

import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from httpx2 import Client

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def main() -> None:
    base, token = sys.argv[1], sys.argv[2]
    users, groups, memberships, threads = (int(a) for a in (sys.argv[3:7] + ["10000", "500", "20000", "4"][len(sys.argv[3:7]):]))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    client = Client(base_url=base, headers=headers, timeout=60)
    run = uuid.uuid4().hex[:6]

    def post(path, body):
        response = client.post(path, json=body)
        if response.status_code != 201:
            raise SystemExit(f"{path}: {response.status_code} {response.text}")
        return response.json()["id"]

    start = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        user_ids = list(pool.map(lambda i: post("/Users", {"schemas": [USER], "userName": f"bench-{run}-{i}@example.com", "name": {"givenName": "Bench", "familyName": str(i)}}), range(users)))
    users_done = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        group_ids = list(pool.map(lambda i: post("/Groups", {"schemas": [GROUP], "displayName": f"bench-{run}-{i}"}), range(groups)))
    per_group = memberships // groups

    def add_members(index):
        members = [{"value": user_ids[(index * per_group + j) % len(user_ids)]} for j in range(per_group)]
        body = {"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": members}]}
        response = client.patch(f"/Groups/{group_ids[index]}", json=body, params={"excludedAttributes": "members"})
        if response.status_code != 200:
            raise SystemExit(f"PATCH: {response.status_code} {response.text}")

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(add_members, range(groups)))
    end = time.monotonic()
    print(
        f"SCIM provisioning: {users} users in {users_done - start:.1f}s ({users / (users_done - start):.0f}/s), "
        f"{groups} groups with {per_group * groups} memberships in {end - users_done:.1f}s; total {end - start:.1f}s "
        f"({threads} concurrent clients)"
    )


if __name__ == "__main__":
    main()
