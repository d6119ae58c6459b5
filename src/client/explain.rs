//! `accessgraph explain`: asks a running server why a user has, or lacks, a capability
//! (`customerAdministration.accessExplanation`), naming the user by email and the capability by
//! name, and prints the answer: the summary sentence, the grants that give the capability and the
//! rules that take it away.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Client, ClientError};

/// The question, as the command line gives it.
#[derive(Debug, Clone)]
pub struct Question {
    /// An email (looked up in every authentication domain of the organization) or a user id.
    pub user: String,
    /// The account; `None`: an organization capability.
    pub account: Option<i32>,
    /// A capability name (as `customerAdministration.permissions` lists it) or id.
    pub capability: String,
}

/// Why the question could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error(transparent)]
    Client(#[from] ClientError),
    /// No user of the organization has the email.
    #[error("no user with the email {0} in the organization (that the API key may read)")]
    UnknownUser(String),
    /// The email is a login in several authentication domains.
    #[error(
        "{email} is a user in {} authentication domains: {}; pass --user with one of these user ids",
        .candidates.len(),
        .candidates.join(", ")
    )]
    AmbiguousUser { email: String, candidates: Vec<String> },
    /// No capability has the name.
    #[error("no capability is named {name:?}{}", suggestions(.similar))]
    UnknownCapability { name: String, similar: Vec<String> },
    /// Several capabilities have the name.
    #[error("several capabilities are named {name:?}: {}; pass --capability with one of these ids", .candidates.join(", "))]
    AmbiguousCapability { name: String, candidates: Vec<String> },
}

fn suggestions(similar: &[String]) -> String {
    if similar.is_empty() {
        " (`customerAdministration.permissions` lists them)".to_owned()
    } else {
        format!("; did you mean: {}", similar.join(", "))
    }
}

/// The question's answer as text, ready to print.
pub async fn explain(client: &Client, question: &Question) -> Result<String, ExplainError> {
    let user_id = resolve_user(client, &question.user).await?;
    let capability_id = resolve_capability(client, &question.capability).await?;
    let data = client
        .graphql(EXPLAIN, json!({ "user": user_id, "account": question.account, "capability": capability_id }))
        .await?;
    Ok(render(&data["customerAdministration"]["accessExplanation"]))
}

/// The explanation query (the README's "Explaining access" shows the same).
pub const EXPLAIN: &str = "query($user: ID!, $account: Int, $capability: ID!) {
  customerAdministration { accessExplanation(userId: $user, accountId: $account, capabilityId: $capability) {
    allowed summary paths { group { id name } role { id name } grantId scope } limits { kind message } } }
}";

/// The users with an email in each authentication domain, and the caller (who may ask about
/// themselves without reading the organization's users).
const USERS_BY_EMAIL: &str = "query($email: String!, $cursor: String) {
  actor {
    user { id email }
    organization { userManagement { authenticationDomains(cursor: $cursor) {
      authenticationDomains { id name users(filter: {email: {eq: $email}}) { users { id email } } }
      nextCursor
    } } }
  }
}";

const CAPABILITIES: &str = "query($cursor: String) {
  customerAdministration { permissions(cursor: $cursor) { items { id name product } nextCursor } }
}";

/// Pages followed at most (500 items a page).
const MAX_PAGES: usize = 100;

fn is_id(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The user id of `user`: an id as it is, an email looked up in every authentication domain.
async fn resolve_user(client: &Client, user: &str) -> Result<String, ExplainError> {
    let user = user.trim();
    if is_id(user) {
        return Ok(user.to_owned());
    }
    let mut candidates: Vec<(String, String)> = Vec::new(); // (user id, domain name)
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let answer = client.execute(USERS_BY_EMAIL, json!({ "email": user, "cursor": cursor })).await?;
        let me = &answer.data["actor"]["user"];
        let domains = &answer.data["actor"]["organization"]["userManagement"]["authenticationDomains"];
        if !answer.errors.is_empty() {
            // The caller may not read the organization's users: they may still ask about themselves.
            if me["email"].as_str().is_some_and(|email| email.eq_ignore_ascii_case(user))
                && let Some(id) = me["id"].as_i64()
            {
                return Ok(id.to_string());
            }
            return Err(ClientError::GraphQl(answer.errors).into());
        }
        for domain in domains["authenticationDomains"].as_array().into_iter().flatten() {
            let name = domain["name"].as_str().unwrap_or("?");
            for found in domain["users"]["users"].as_array().into_iter().flatten() {
                if let Some(id) = found["id"].as_str() {
                    candidates.push((id.to_owned(), name.to_owned()));
                }
            }
        }
        cursor = domains["nextCursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    match candidates.as_slice() {
        [] => Err(ExplainError::UnknownUser(user.to_owned())),
        [(id, _)] => Ok(id.clone()),
        several => Err(ExplainError::AmbiguousUser {
            email: user.to_owned(),
            candidates: several.iter().map(|(id, domain)| format!("user {id} in {domain:?}")).collect(),
        }),
    }
}

/// The capability id of `capability`: an id as it is, a name looked up in the catalog (case
/// does not matter).
async fn resolve_capability(client: &Client, capability: &str) -> Result<String, ExplainError> {
    let capability = capability.trim();
    if is_id(capability) {
        return Ok(capability.to_owned());
    }
    let mut catalog: Vec<(String, String, String)> = Vec::new(); // (id, name, product)
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let data = client.graphql(CAPABILITIES, json!({ "cursor": cursor })).await?;
        let page = &data["customerAdministration"]["permissions"];
        for item in page["items"].as_array().into_iter().flatten() {
            let text = |field: &str| item[field].as_str().unwrap_or_default().to_owned();
            catalog.push((text("id"), text("name"), text("product")));
        }
        cursor = page["nextCursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    let wanted = capability.to_lowercase();
    let named: Vec<&(String, String, String)> =
        catalog.iter().filter(|(_, name, _)| name.to_lowercase() == wanted).collect();
    match named.as_slice() {
        [(id, _, _)] => Ok(id.clone()),
        [] => Err(ExplainError::UnknownCapability {
            name: capability.to_owned(),
            similar: catalog
                .iter()
                .filter(|(_, name, _)| name.to_lowercase().contains(&wanted))
                .take(10)
                .map(|(id, name, _)| format!("{name:?} ({id})"))
                .collect(),
        }),
        several => Err(ExplainError::AmbiguousCapability {
            name: capability.to_owned(),
            candidates: several.iter().map(|(id, name, product)| format!("{id} ({name}, {product})")).collect(),
        }),
    }
}

/// An explanation (`accessExplanation`'s object) as text: the summary sentence, then whether it is
/// allowed, the paths and the limits, one a line.
pub fn render(explanation: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", explanation["summary"].as_str().unwrap_or("(no summary)"));
    let allowed = explanation["allowed"].as_bool().unwrap_or(false);
    let _ = writeln!(out, "allowed: {}", if allowed { "yes" } else { "no" });
    let paths = explanation["paths"].as_array().map(Vec::as_slice).unwrap_or_default();
    if paths.is_empty() {
        let _ = writeln!(out, "paths: none");
    } else {
        let _ = writeln!(out, "paths:");
        for path in paths {
            let named = |object: &Value| match (object["name"].as_str(), object["id"].as_str()) {
                (Some(name), Some(id)) => format!("{name:?} ({id})"),
                (Some(name), None) => format!("{name:?}"),
                _ => "(not readable)".to_owned(),
            };
            let grant = path["grantId"].as_str().unwrap_or("(not readable)");
            let scope = path["scope"].as_str().unwrap_or("?");
            let _ = writeln!(
                out,
                "  group {}, role {}, grant {grant}, scope {scope}",
                named(&path["group"]),
                named(&path["role"])
            );
        }
    }
    let limits = explanation["limits"].as_array().map(Vec::as_slice).unwrap_or_default();
    if limits.is_empty() {
        let _ = writeln!(out, "limits: none");
    } else {
        let _ = writeln!(out, "limits:");
        for limit in limits {
            let _ = writeln!(
                out,
                "  {}: {}",
                limit["kind"].as_str().unwrap_or("?"),
                limit["message"].as_str().unwrap_or_default()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explanation_reads_as_lines() {
        let allowed = json!({
            "allowed": true,
            "summary": "basic@example.com can use \"Modify dashboards\" on account 1.",
            "paths": [
                { "group": { "id": "g-1", "name": "Minimal" }, "role": { "id": "12", "name": "Dashboards viewer" },
                  "grantId": "34", "scope": "account" },
                { "group": null, "role": null, "grantId": null, "scope": "account" }
            ],
            "limits": []
        });
        assert_eq!(
            render(&allowed),
            "basic@example.com can use \"Modify dashboards\" on account 1.\n\
             allowed: yes\n\
             paths:\n  group \"Minimal\" (g-1), role \"Dashboards viewer\" (12), grant 34, scope account\n  \
             group (not readable), role (not readable), grant (not readable), scope account\n\
             limits: none\n"
        );
        let refused = json!({
            "allowed": false, "summary": "No.", "paths": [],
            "limits": [{ "kind": "ROLE_LACKS_CAPABILITY", "message": "No role gives it." }]
        });
        assert_eq!(
            render(&refused),
            "No.\nallowed: no\npaths: none\nlimits:\n  ROLE_LACKS_CAPABILITY: No role gives it.\n"
        );
    }

    #[test]
    fn errors_say_what_to_do() {
        let err = ExplainError::AmbiguousUser {
            email: "ada@example.com".into(),
            candidates: vec!["user 5 in \"Default\"".into(), "user 9 in \"Okta\"".into()],
        };
        assert_eq!(
            err.to_string(),
            "ada@example.com is a user in 2 authentication domains: user 5 in \"Default\", user 9 in \"Okta\"; pass --user with one of these user ids"
        );
        let err = ExplainError::UnknownCapability {
            name: "dashboards".into(),
            similar: vec!["\"Modify dashboards\" (1702)".into()],
        };
        assert_eq!(
            err.to_string(),
            "no capability is named \"dashboards\"; did you mean: \"Modify dashboards\" (1702)"
        );
        assert!(is_id("1702") && !is_id("17a") && !is_id(""));
    }
}
