"""Creates a SCIM-provisioned authentication domain over GraphQL and prints its SCIM token.

Usage: setup_domain.py BASE_URL ADMIN_KEY
"""

import json
import sys
import urllib.request


def graphql(base: str, key: str, query: str, variables: dict) -> dict:
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", "API-Key": key},
    )
    with urllib.request.urlopen(request) as response:
        body = json.load(response)
    if body.get("errors"):
        raise SystemExit(f"GraphQL error: {body['errors']}")
    return body["data"]


def main() -> None:
    base, key = sys.argv[1], sys.argv[2]
    created = graphql(
        base,
        key,
        "mutation($n: String!) { authenticationDomainCreate(name: $n, authenticationType: SAML_SSO, "
        "provisioningType: SCIM) { id } }",
        {"n": sys.argv[3] if len(sys.argv) > 3 else "SCIM conformance"},
    )
    domain = created["authenticationDomainCreate"]["id"]
    token = graphql(
        base,
        key,
        "mutation($id: ID!) { authenticationDomainGenerateScimToken(id: $id) { token } }",
        {"id": domain},
    )
    print(token["authenticationDomainGenerateScimToken"]["token"])


if __name__ == "__main__":
    main()
