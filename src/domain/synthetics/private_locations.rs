//! Synthetics private locations of an account: create, change, delete, and purge the job queue.
//!
//! Identifiers, as NerdGraph shapes them (`SyntheticsPrivateLocationMutationResult`):
//! - `guid`: unpadded base64 of `<accountId>|SYNTH|PRIVATE_LOCATION|<uuid>` (see [`super::guid`]);
//! - `domainId`, "the private location globally unique identifier": the location's UUID;
//! - `locationId`, "an alternate identifier based on name": `<accountId>-<name slug>-<3 hex>`, the
//!   slug being the name in lower case with every run of other characters than ASCII letters and
//!   digits made one `_`, the suffix the first 3 hex digits of the UUID in upper case (the shape
//!   New Relic's location ids have, e.g. `3806526-berlin_dc-74E`). Derived, not stored: the name
//!   never changes.
//!
//! The location key, which a Synthetics job manager presents, is `NRSP-<region><32 hex>`; it is
//! made at creation and shown once, in the creation's result. Only its SHA-256 is kept.
//!
//! Who may do what is not decided here: creation is checked by the caller beforehand, and every
//! change of an existing location takes the caller's check (`allowed`, asked with the location's
//! GUID once the location is found), so an unknown GUID is "not found" whoever asks.

use std::fmt;

use entity::enums::SyntheticsEntityKind;
use entity::{account, synthetics_permission_rule, synthetics_private_location as location};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Set,
};
use serde_json::{Value, json};

use super::guid::{self, Guid, GuidKind};
use crate::access::decision::{Allowed, SyntheticsChange, SyntheticsWrite};
use crate::auth::keys::sha256_hex;
use crate::domain::audit::{self, Audit};
use crate::domain::{Actor, confirm, in_transaction, lookup, new_uuid, now, validate, wrong_proof};
use crate::error::{AppError, AppResult, on_unique_violation};

/// The answer for a GUID that names no private location the caller's organization has.
pub const NOT_FOUND: &str = "Private location not found";
/// The prefix of private location keys.
pub const KEY_PREFIX: &str = "NRSP-";
const AUDIT_TYPE: &str = "synthetics_private_location";

/// A private location's key. Its `Debug` is redacted; reading it needs [`LocationKey::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct LocationKey(String);

impl fmt::Debug for LocationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LocationKey({KEY_PREFIX}...)")
    }
}

impl LocationKey {
    /// A new random key for a location in `region` (e.g. `us01`).
    fn generate(region: &str) -> Self {
        let bytes: [u8; 16] = rand::rng().random();
        LocationKey(format!("{KEY_PREFIX}{region}{}", hex::encode_upper(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// `syntheticsCreatePrivateLocation`'s input.
#[derive(Debug, Clone)]
pub struct NewPrivateLocation {
    pub account_id: i32,
    pub name: String,
    /// Absent means empty.
    pub description: Option<String>,
    pub verified_script_execution: bool,
    /// Absent means not shared.
    pub shared: Option<bool>,
}

/// `syntheticsUpdatePrivateLocation`'s input: `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct PrivateLocationChanges {
    pub description: Option<String>,
    pub shared: Option<bool>,
    pub verified_script_execution: Option<bool>,
}

/// A created location and its key, which is never shown again.
#[derive(Debug, Clone)]
pub struct CreatedPrivateLocation {
    pub location: location::Model,
    pub key: LocationKey,
}

/// The location's `locationId` (see the module doc).
pub fn location_id(location: &location::Model) -> String {
    let mut slug = String::new();
    for c in location.name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    let slug = slug.trim_end_matches('_');
    let suffix: String = location.id.chars().filter(char::is_ascii_hexdigit).take(3).collect();
    format!("{}-{slug}-{}", location.account_id, suffix.to_ascii_uppercase())
}

/// A GUID that names a private location, or "not found" (whatever else it is).
pub fn parse_guid(text: &str) -> AppResult<Guid> {
    guid::decode(text).filter(|g| g.kind == GuidKind::PrivateLocation).ok_or_else(|| AppError::not_found(NOT_FOUND))
}

fn snapshot(location: &location::Model) -> Value {
    json!({
        "guid": location.guid,
        "name": location.name,
        "description": location.description,
        "verifiedScriptExecution": location.verified_script_execution,
        "shared": location.shared,
        "jobQueueSize": location.job_queue_size,
    })
}

/// The private locations of `account_id`, by name (in byte order, whatever the database's
/// collation, so that a name is a stable cursor).
pub async fn list(db: &impl ConnectionTrait, account_id: i32) -> Result<Vec<location::Model>, DbErr> {
    let mut found = location::Entity::find().filter(location::Column::AccountId.eq(account_id)).all(db).await?;
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// Creates a private location in an account of the caller's organization; its name must be new in
/// the account.
pub async fn create(
    db: &DatabaseConnection,
    proof: &Allowed<SyntheticsChange>,
    input: NewPrivateLocation,
) -> AppResult<CreatedPrivateLocation> {
    let SyntheticsChange { account, op: SyntheticsWrite::CreateLocation, .. } = *proof.what() else {
        return Err(wrong_proof("a private location"));
    };
    if account != input.account_id {
        return Err(wrong_proof("a private location"));
    }
    let caller = proof.actor();
    let name = validate::name("Name", &input.name)?;
    in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let account = lookup::account_for_update(txn, &caller.organization_id, input.account_id).await?;
        let id = new_uuid();
        let key = LocationKey::generate(&account.region_code);
        let now = now();
        let created = location::ActiveModel {
            guid: Set(guid::encode(account.id, GuidKind::PrivateLocation, &id)),
            id: Set(id),
            account_id: Set(account.id),
            name: Set(name.clone()),
            description: Set(input.description.clone().unwrap_or_default()),
            verified_script_execution: Set(input.verified_script_execution),
            shared: Set(input.shared.unwrap_or(false)),
            key_hash: Set(sha256_hex(key.expose())),
            job_queue_size: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(|e| {
            on_unique_violation(e, || {
                format!("A private location named '{name}' already exists in account {}", account.id)
            })
        })?;
        audit::record(txn, Audit::changed(caller, "create", AUDIT_TYPE, &created.guid, None, Some(snapshot(&created))))
            .await?;
        Ok(CreatedPrivateLocation { location: created, key })
    })
    .await
}

/// What is done to one location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LocationChange {
    Edit,
    Delete,
}

/// The GUID of the location a proof of `change` is for.
fn proved_guid(proof: &Allowed<SyntheticsChange>, change: LocationChange) -> AppResult<&str> {
    match (&proof.what().op, change) {
        (SyntheticsWrite::EditLocation(guid), LocationChange::Edit)
        | (SyntheticsWrite::DeleteLocation(guid), LocationChange::Delete) => Ok(guid),
        _ => Err(wrong_proof("a private location")),
    }
}

/// The location `proof` is for, in an account of the caller's organization, locked for the rest of
/// the transaction on PostgreSQL.
async fn for_change(
    db: &impl ConnectionTrait,
    proof: &Allowed<SyntheticsChange>,
    change: LocationChange,
) -> AppResult<location::Model> {
    let proved = proved_guid(proof, change)?;
    let target = parse_guid(proved)?;
    let caller = proof.actor();
    confirm(db, proof).await?;
    let accounts = Query::select()
        .column(account::Column::Id)
        .from(account::Entity)
        .and_where(Expr::col(account::Column::OrganizationId).eq(caller.organization_id.as_str()))
        .to_owned();
    let found = location::Entity::find_by_id(target.id.as_str())
        .filter(location::Column::AccountId.eq(target.account_id))
        .filter(location::Column::AccountId.in_subquery(accounts))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(NOT_FOUND))?;
    if found.guid == proved { Ok(found) } else { Err(wrong_proof("a private location")) }
}

/// Records `verb` on a location with its state before and after.
async fn record(
    db: &impl ConnectionTrait,
    caller: &Actor,
    verb: &str,
    before: &location::Model,
    after: Option<&location::Model>,
) -> Result<(), DbErr> {
    audit::record(
        db,
        Audit::changed(caller, verb, AUDIT_TYPE, &before.guid, Some(snapshot(before)), after.map(snapshot)),
    )
    .await
}

/// Changes a location's description, sharing or verified script execution. A change that changes
/// nothing records nothing.
pub async fn update(
    db: &DatabaseConnection,
    proof: &Allowed<SyntheticsChange>,
    changes: PrivateLocationChanges,
) -> AppResult<location::Model> {
    let caller = proof.actor();
    in_transaction(db, async |txn| {
        let before = for_change(txn, proof, LocationChange::Edit).await?;
        let mut model: location::ActiveModel = before.clone().into();
        if let Some(description) = changes.description.clone().filter(|d| *d != before.description) {
            model.description = Set(description);
        }
        if let Some(shared) = changes.shared.filter(|s| *s != before.shared) {
            model.shared = Set(shared);
        }
        if let Some(vse) = changes.verified_script_execution.filter(|v| *v != before.verified_script_execution) {
            model.verified_script_execution = Set(vse);
        }
        if !model.is_changed() {
            return Ok(before);
        }
        model.updated_at = Set(now());
        let after = model.update(txn).await?;
        record(txn, caller, "update", &before, Some(&after)).await?;
        Ok(after)
    })
    .await
}

/// Deletes a location, and the permission rules that name it (rules on "all private locations"
/// stay).
pub async fn delete(db: &DatabaseConnection, proof: &Allowed<SyntheticsChange>) -> AppResult<location::Model> {
    let caller = proof.actor();
    in_transaction(db, async |txn| {
        let before = for_change(txn, proof, LocationChange::Delete).await?;
        synthetics_permission_rule::Entity::delete_many()
            .filter(synthetics_permission_rule::Column::EntityKind.eq(SyntheticsEntityKind::PrivateLocation))
            .filter(synthetics_permission_rule::Column::Target.eq(before.guid.as_str()))
            .exec(txn)
            .await?;
        location::Entity::delete_by_id(before.id.as_str()).exec(txn).await?;
        record(txn, caller, "delete", &before, None).await?;
        Ok(before)
    })
    .await
}

/// Empties a location's job queue. An empty queue records nothing.
pub async fn purge_queue(db: &DatabaseConnection, proof: &Allowed<SyntheticsChange>) -> AppResult<location::Model> {
    let caller = proof.actor();
    in_transaction(db, async |txn| {
        let before = for_change(txn, proof, LocationChange::Edit).await?;
        if before.job_queue_size == 0 {
            return Ok(before);
        }
        let mut model: location::ActiveModel = before.clone().into();
        model.job_queue_size = Set(0);
        model.updated_at = Set(now());
        let after = model.update(txn).await?;
        record(txn, caller, "purge_queue", &before, Some(&after)).await?;
        Ok(after)
    })
    .await
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn named(name: &str) -> location::Model {
        location::Model {
            id: "74efd8e4-94b0-4412-86f1-96a7281f92ff".into(),
            account_id: 3_806_526,
            guid: String::new(),
            name: name.into(),
            description: String::new(),
            verified_script_execution: false,
            shared: false,
            key_hash: String::new(),
            job_queue_size: 0,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn location_ids_are_account_slug_and_suffix() {
        assert_eq!(location_id(&named("Berlin DC")), "3806526-berlin_dc-74E");
        assert_eq!(location_id(&named("  Staging -- EU #2 ")), "3806526-staging_eu_2-74E");
        assert_eq!(location_id(&named("Zürich")), "3806526-z_rich-74E");
    }

    #[test]
    fn keys_are_prefixed_random_and_redacted() {
        let a = LocationKey::generate("us01");
        let b = LocationKey::generate("us01");
        assert_ne!(a, b);
        assert!(a.expose().starts_with("NRSP-us01"));
        assert_eq!(a.expose().len(), "NRSP-us01".len() + 32);
        assert_eq!(format!("{a:?}"), "LocationKey(NRSP-...)");
    }

    #[test]
    fn only_private_location_guids_parse() {
        let guid = guid::encode(7, GuidKind::PrivateLocation, "x");
        assert_eq!(parse_guid(&guid).ok().map(|g| g.account_id), Some(7));
        assert!(parse_guid(&guid::encode(7, GuidKind::Monitor, "x")).is_err());
        assert!(parse_guid("nonsense").is_err());
    }
}
