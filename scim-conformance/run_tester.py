"""Runs scim2-tester against a live AccessGraph SCIM endpoint; exits non-zero on any failure.

Usage: run_tester.py SCIM_BASE_URL TOKEN
"""

import random
import sys
import uuid

import scim2_tester.checkers.patch_add
import scim2_tester.checkers.patch_replace
import scim2_tester.filling
from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


# Formats the published schema cannot express, so the tester cannot guess them (its own comment:
# "there is no way to guess the existence of such requirements just by looking at the object
# schema"). AccessGraph maps userName to the user's email (New Relic signs users in by email), keeps
# IANA time zones, and the user-type extension takes one of its canonical values. The README's SCIM
# section lists this: every check still runs, only the random values of these three are shaped.
_generate = scim2_tester.filling.generate_random_value
TIME_ZONES = ["Etc/UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
USER_TYPES = ["Full User", "Core User", "Basic User"]


def generate_random_value(context, path, *args, **kwargs):
    value = _generate(context, path, *args, **kwargs)
    if value is None:
        return value
    name = str(path).lower()
    if name.endswith("username"):
        return f"{uuid.uuid4()}@example.com"
    if name.endswith("timezone"):
        return random.choice(TIME_ZONES)
    if name.endswith("nrusertype"):
        return random.choice(USER_TYPES)
    return value


scim2_tester.filling.generate_random_value = generate_random_value
scim2_tester.checkers.patch_add.generate_random_value = generate_random_value
scim2_tester.checkers.patch_replace.generate_random_value = generate_random_value


def main() -> None:
    base, token = sys.argv[1], sys.argv[2]
    http = Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
    scim = SyncSCIMClient(http)
    results = check_server(scim)
    failures = 0
    for result in results:
        status = result.status
        line = f"{status.name:<8} {result.resource_type or '-':<8} {result.title}"
        if result.reason:
            line += f": {result.reason}"
        print(line)
        if status in (Status.ERROR, Status.CRITICAL):
            failures += 1
    counts = {}
    for result in results:
        counts[result.status.name] = counts.get(result.status.name, 0) + 1
    print(f"\nscim2-tester: {len(results)} checks, {counts}; {failures} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
