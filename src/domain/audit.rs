//! The audit trail: who did what to which object, when, with the object before and after; and
//! what the permission model needs to know about an event's target to decide who may read it.

use std::collections::HashMap;

use entity::enums::IngestType;
use entity::{audit_event, authentication_domain, scim_token, synthetics_permission_group};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde_json::Value;

use super::synthetics::guid;
use crate::access::api_keys::{KeyFacts, KeyKind};
use crate::access::audit::{Target, TargetKind};

/// One audit record, written in the transaction of the change it describes.
#[derive(Debug, Clone)]
pub struct Audit<'a> {
    pub organization_id: Option<&'a str>,
    /// The acting user; `None` for the system (bootstrap, migrations).
    pub actor_user_id: Option<i64>,
    /// What happened, e.g. `organization.create`.
    pub action: String,
    pub target_type: &'a str,
    pub target_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Audit<'a> {
    /// The creation of `target_type` `target_id`, with its state after: action `<target_type>.create`.
    pub fn created(
        organization_id: &'a str,
        actor_user_id: Option<i64>,
        target_type: &'a str,
        target_id: impl ToString,
        after: Value,
    ) -> Self {
        Audit {
            organization_id: Some(organization_id),
            actor_user_id,
            action: format!("{target_type}.create"),
            target_type,
            target_id: target_id.to_string(),
            before: None,
            after: Some(after),
        }
    }

    /// A change of `target_type` `target_id`: action `<target_type>.<verb>`, with the state before
    /// and after (`None` for a deletion's after).
    pub fn changed(
        caller: &'a super::Actor,
        verb: &str,
        target_type: &'a str,
        target_id: impl ToString,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Self {
        Audit {
            organization_id: Some(&caller.organization_id),
            actor_user_id: Some(caller.user_id),
            action: format!("{target_type}.{verb}"),
            target_type,
            target_id: target_id.to_string(),
            before,
            after,
        }
    }
}

pub async fn record(db: &impl ConnectionTrait, audit: Audit<'_>) -> Result<(), DbErr> {
    insert(db, audit, None).await
}

/// Records a change made over SCIM: the actor is the SCIM token `token_id` (an identity
/// provider), not a user.
pub async fn record_by_scim_token(db: &impl ConnectionTrait, audit: Audit<'_>, token_id: i64) -> Result<(), DbErr> {
    insert(db, Audit { actor_user_id: None, ..audit }, Some(token_id)).await
}

async fn insert(db: &impl ConnectionTrait, audit: Audit<'_>, scim_token_id: Option<i64>) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        actor_scim_token_id: Set(scim_token_id),
        organization_id: Set(audit.organization_id.map(str::to_owned)),
        actor_user_id: Set(audit.actor_user_id),
        action: Set(audit.action),
        target_type: Set(audit.target_type.to_owned()),
        target_id: Set(audit.target_id),
        before: Set(audit.before),
        after: Set(audit.after),
        created_at: Set(super::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// What the permission model needs to know about the target of `event` (see
/// [`crate::access::audit::may_read`]). `permission_group_accounts` holds the account of each Synthetics
/// permission group the events name (see [`permission_group_accounts`]).
pub fn target<'e>(event: &'e audit_event::Model, permission_group_accounts: &HashMap<String, i32>) -> Target<'e> {
    let id = event.target_id.as_str();
    let Some(kind) = TargetKind::from_name(&event.target_type) else { return Target::Unknown };
    let guid_account = || guid::decode(id).map(|g| g.account_id);
    match kind {
        TargetKind::Organization => Target::Organization,
        TargetKind::Account => Target::Account,
        TargetKind::AuthenticationDomain => Target::AuthenticationDomain,
        TargetKind::User => Target::User,
        TargetKind::Group => Target::Group,
        TargetKind::AccessGrant => Target::AccessGrant,
        TargetKind::Role => Target::Role,
        TargetKind::ApiKey => Target::ApiKey(snapshot(event).and_then(key_facts)),
        TargetKind::SyntheticsMonitor => Target::SyntheticsMonitor { account: guid_account(), guid: id },
        TargetKind::SyntheticsPrivateLocation => {
            Target::SyntheticsPrivateLocation { account: guid_account(), guid: id }
        }
        // The target id is `<account id>/<key>`.
        TargetKind::SyntheticsSecureCredential => Target::SyntheticsSecureCredential {
            account: id.split_once('/').and_then(|(account, _)| account.parse().ok()),
        },
        TargetKind::SyntheticsPermissionGroup => Target::SyntheticsPermissionGroup {
            account: permission_group_accounts.get(id).copied().or_else(|| snapshot_account(event)),
        },
        TargetKind::SyntheticsPermissions => Target::SyntheticsPermissions { account: id.parse().ok() },
        TargetKind::OriginalMembership => {
            Target::OriginalUsers { account: id.split_once(':').and_then(|(account, _)| account.parse().ok()) }
        }
        TargetKind::OriginalAddOnRole => Target::OriginalUsers { account: snapshot_account(event) },
        TargetKind::OriginalOwner => Target::User,
    }
}

/// The snapshot that describes the target: the state after, or before for a deletion.
fn snapshot(event: &audit_event::Model) -> Option<&Value> {
    event.after.as_ref().or(event.before.as_ref())
}

/// `accountId` of the event's snapshots.
fn snapshot_account(event: &audit_event::Model) -> Option<i32> {
    [event.after.as_ref(), event.before.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|s| s.get("accountId").and_then(Value::as_i64))
        .and_then(|a| i32::try_from(a).ok())
}

/// A key as its audit snapshot (`api_keys::snapshot`) describes it.
fn key_facts(snapshot: &Value) -> Option<KeyFacts> {
    let account = i32::try_from(snapshot.get("accountId")?.as_i64()?).ok()?;
    let kind = match snapshot.get("type")?.as_str()? {
        "USER" => KeyKind::User(snapshot.get("userId")?.as_i64()?),
        "INGEST" => {
            KeyKind::Ingest(serde_json::from_value::<IngestType>(snapshot.get("ingestType")?.clone()).ok()?.into())
        }
        _ => return None,
    };
    Some(KeyFacts { kind, account })
}

/// The account of each Synthetics permission group that `events` name: from the groups that
/// still exist, else from the group's creation event. At most two statements, whatever the number
/// of events.
pub async fn permission_group_accounts(
    db: &impl ConnectionTrait,
    events: &[audit_event::Model],
) -> Result<HashMap<String, i32>, DbErr> {
    let kind = TargetKind::SyntheticsPermissionGroup.name();
    let mut ids: Vec<&str> = events.iter().filter(|e| e.target_type == kind).map(|e| e.target_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut found: HashMap<String, i32> = synthetics_permission_group::Entity::find()
        .filter(synthetics_permission_group::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|g| (g.id, g.account_id))
        .collect();
    let deleted: Vec<&str> = ids.into_iter().filter(|id| !found.contains_key(*id)).collect();
    if !deleted.is_empty() {
        let created = audit_event::Entity::find()
            .filter(audit_event::Column::TargetType.eq(kind))
            .filter(audit_event::Column::Action.eq(format!("{kind}.create")))
            .filter(audit_event::Column::TargetId.is_in(deleted))
            .all(db)
            .await?;
        for event in created {
            if let Some(account) = snapshot_account(&event) {
                found.insert(event.target_id, account);
            }
        }
    }
    Ok(found)
}

/// The SCIM provisioner a change was made by: the authentication domain whose SCIM token it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimProvisioner {
    pub authentication_domain_id: String,
    /// `None` when the domain has been deleted since.
    pub authentication_domain_name: Option<String>,
}

/// The action under which a SCIM token's generation is audited, with `{"scimTokenId": id}` after.
const SCIM_TOKEN_GENERATED: &str = "authentication_domain.generate_scim_token";

/// The provisioner of each SCIM token of `tokens` (the `actor_scim_token_id` of audit events of
/// `organization_id`): the domain of the token while it is current, else the domain whose audited
/// token generation made it (a rotated token's row is gone, its generation event is not). At most
/// three statements, whatever the number of tokens; none without tokens.
pub async fn scim_provisioners(
    db: &impl ConnectionTrait,
    organization_id: &str,
    tokens: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, ScimProvisioner>, DbErr> {
    let mut ids: Vec<i64> = tokens.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut domains: HashMap<i64, String> = scim_token::Entity::find()
        .filter(scim_token::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.authentication_domain_id))
        .collect();
    if ids.iter().any(|id| !domains.contains_key(id)) {
        let generated = audit_event::Entity::find()
            .filter(audit_event::Column::OrganizationId.eq(organization_id))
            .filter(audit_event::Column::Action.eq(SCIM_TOKEN_GENERATED))
            .all(db)
            .await?;
        for event in generated {
            let token = event.after.as_ref().and_then(|a| a.get("scimTokenId")).and_then(Value::as_i64);
            if let Some(token) = token.filter(|t| ids.binary_search(t).is_ok()) {
                domains.entry(token).or_insert(event.target_id);
            }
        }
    }
    let mut domain_ids: Vec<&str> = domains.values().map(String::as_str).collect();
    domain_ids.sort_unstable();
    domain_ids.dedup();
    let names: HashMap<String, String> = authentication_domain::Entity::find()
        .filter(authentication_domain::Column::Id.is_in(domain_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    Ok(domains
        .into_iter()
        .map(|(token, domain)| {
            let name = names.get(&domain).cloned();
            (token, ScimProvisioner { authentication_domain_id: domain, authentication_domain_name: name })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(target_type: &str, target_id: &str, before: Option<Value>, after: Option<Value>) -> audit_event::Model {
        audit_event::Model {
            id: 1,
            organization_id: Some("org".into()),
            actor_user_id: Some(7),
            action: format!("{target_type}.update"),
            target_type: target_type.into(),
            target_id: target_id.into(),
            before,
            after,
            created_at: chrono::Utc::now(),
            actor_scim_token_id: None,
        }
    }

    #[test]
    fn keys_are_described_by_their_snapshot() {
        let none = HashMap::new();
        let user_key = event("api_key", "k", None, Some(json!({"type": "USER", "userId": 5, "accountId": 10})));
        assert_eq!(target(&user_key, &none), Target::ApiKey(Some(KeyFacts { kind: KeyKind::User(5), account: 10 })));
        // A deletion describes the key by its state before.
        let license =
            event("api_key", "k", Some(json!({"type": "INGEST", "ingestType": "LICENSE", "accountId": 11})), None);
        assert_eq!(
            target(&license, &none),
            Target::ApiKey(Some(KeyFacts { kind: KeyKind::Ingest(crate::access::IngestType::License), account: 11 }))
        );
        let garbled = event("api_key", "k", None, Some(json!({"type": "USER"})));
        assert_eq!(target(&garbled, &none), Target::ApiKey(None));
    }

    #[test]
    fn synthetics_targets_name_their_account() {
        let none = HashMap::new();
        let guid = guid::encode(42, guid::GuidKind::Monitor, "m-1");
        let monitor = event("synthetics_monitor", &guid, None, None);
        assert_eq!(target(&monitor, &none), Target::SyntheticsMonitor { account: Some(42), guid: &guid });
        let bad = event("synthetics_private_location", "not a guid", None, None);
        assert_eq!(target(&bad, &none), Target::SyntheticsPrivateLocation { account: None, guid: "not a guid" });
        let credential = event("synthetics_secure_credential", "42/DB/PASSWORD", None, None);
        assert_eq!(target(&credential, &none), Target::SyntheticsSecureCredential { account: Some(42) });
        let switch = event("synthetics_permissions", "42", None, None);
        assert_eq!(target(&switch, &none), Target::SyntheticsPermissions { account: Some(42) });
        // A permission group: its row, else its own snapshot.
        let renamed = event("synthetics_permission_group", "g", None, Some(json!({"name": "x"})));
        assert_eq!(target(&renamed, &none), Target::SyntheticsPermissionGroup { account: None });
        let known = HashMap::from([("g".to_owned(), 42)]);
        assert_eq!(target(&renamed, &known), Target::SyntheticsPermissionGroup { account: Some(42) });
        let deleted = event("synthetics_permission_group", "g", Some(json!({"accountId": 43})), None);
        assert_eq!(target(&deleted, &none), Target::SyntheticsPermissionGroup { account: Some(43) });
    }

    #[test]
    fn unknown_types_are_unknown() {
        assert_eq!(target(&event("dashboard", "1", None, None), &HashMap::new()), Target::Unknown);
        assert_eq!(target(&event("user", "1", None, None), &HashMap::new()), Target::User);
    }
}
