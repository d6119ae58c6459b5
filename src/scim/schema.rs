//! What the service provider says about itself: ServiceProviderConfig, ResourceTypes and Schemas
//! (RFC 7643 §5–7). Only attributes AccessGraph keeps are declared.

use serde_json::{Value, json};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const NR_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:newrelic:2.0:User";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// Most resources one list returns.
pub const MAX_RESULTS: u64 = 1000;

fn attr(name: &str, kind: &str, description: &str) -> Value {
    json!({
        "name": name,
        "type": kind,
        "multiValued": false,
        "description": description,
        "required": false,
        "caseExact": false,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    })
}

fn with(mut attr: Value, changes: Value) -> Value {
    if let (Some(attr), Some(changes)) = (attr.as_object_mut(), changes.as_object()) {
        for (k, v) in changes {
            attr.insert(k.clone(), v.clone());
        }
    }
    attr
}

pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://docs.newrelic.com/docs/accounts/accounts/automated-user-management/automated-user-provisioning-single-sign/",
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": false },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "SCIM bearer token",
            "description": "The SCIM token of the authentication domain, generated with authenticationDomainGenerateScimToken",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A user of the authentication domain",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{ "schema": NR_USER_SCHEMA, "required": false }],
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User") },
        }),
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A group of the authentication domain",
            "schema": GROUP_SCHEMA,
            "schemaExtensions": [],
            "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group") },
        }),
    ]
}

fn reference(name: &str, types: &[&str], description: &str) -> Value {
    with(attr(name, "reference", description), json!({ "referenceTypes": types, "caseExact": true }))
}

pub fn schemas(base: &str) -> Vec<Value> {
    let user = json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "User Account",
        "attributes": [
            with(attr("userName", "string", "The user's email: unique within the authentication domain, case-insensitive"),
                json!({ "required": true, "uniqueness": "server" })),
            with(attr("name", "complex", "The user's name"), json!({ "subAttributes": [
                attr("formatted", "string", "The full name"),
                attr("familyName", "string", "The family name"),
                attr("givenName", "string", "The given name"),
                attr("middleName", "string", "The middle name"),
                attr("honorificPrefix", "string", "Honorific prefix"),
                attr("honorificSuffix", "string", "Honorific suffix"),
            ]})),
            attr("displayName", "string", "The name shown for the user"),
            with(attr("emails", "complex", "Email addresses"), json!({ "multiValued": true, "subAttributes": [
                attr("value", "string", "An email address"),
                attr("display", "string", "A display name"),
                with(attr("type", "string", "work, home or other"), json!({ "canonicalValues": ["work", "home", "other"] })),
                attr("primary", "boolean", "The primary address"),
            ]})),
            attr("active", "boolean", "False: the user cannot sign in and their API keys stop working; data is kept"),
            attr("timezone", "string", "The user's time zone, an IANA name such as America/Los_Angeles"),
            with(attr("groups", "complex", "The groups the user belongs to"), json!({
                "multiValued": true,
                "mutability": "readOnly",
                "subAttributes": [
                    with(attr("value", "string", "The group's id"), json!({ "mutability": "readOnly" })),
                    with(reference("$ref", &["Group"], "The group's URI"), json!({ "mutability": "readOnly" })),
                    with(attr("display", "string", "The group's displayName"), json!({ "mutability": "readOnly" })),
                    with(attr("type", "string", "direct"), json!({ "mutability": "readOnly", "canonicalValues": ["direct"] })),
                ],
            })),
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{USER_SCHEMA}") },
    });
    let group = json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "Group",
        "attributes": [
            with(attr("displayName", "string", "The group's name, unique within the authentication domain"),
                json!({ "required": true, "uniqueness": "server" })),
            with(attr("members", "complex", "The users of the group"), json!({
                "multiValued": true,
                "subAttributes": [
                    with(attr("value", "string", "The user's id"), json!({ "mutability": "immutable", "caseExact": true })),
                    with(reference("$ref", &["User"], "The user's URI"), json!({ "mutability": "immutable" })),
                    with(attr("display", "string", "The user's name"), json!({ "mutability": "readOnly" })),
                    with(attr("type", "string", "User"), json!({ "mutability": "immutable", "canonicalValues": ["User"] })),
                ],
            })),
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{GROUP_SCHEMA}") },
    });
    let nr_user = json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": NR_USER_SCHEMA,
        "name": "NewRelicUser",
        "description": "New Relic user attributes",
        "attributes": [
            with(attr("nrUserType", "string", "The user type, capped by the organization's edition"),
                json!({ "canonicalValues": ["Full User", "Core User", "Basic User"] })),
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{NR_USER_SCHEMA}") },
    });
    vec![user, group, nr_user]
}
