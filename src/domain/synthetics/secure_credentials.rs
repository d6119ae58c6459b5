//! Synthetics secure credentials of an account: a key, a description and a write-only value.
//!
//! The value is stored only as its SHA-256 and never read back: lists show keys, descriptions and
//! times only. Keys are NerdGraph's: upper-case letters, digits and `_`, 1 to 64 characters
//! (client-go's `TEST-BAD-KEY` and Terraform's `bad-key` are refused with NerdGraph's text). A
//! value is 1 to [`MAX_VALUE_LEN`] characters.

use crate::domain::validate::echo;
use std::fmt;

use entity::synthetics_secure_credential as credential;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::access::caps::{DELETE_SECURE_CREDENTIALS, MODIFY_SECURE_CREDENTIALS};
use crate::access::decision::{Allowed, UseCapability};
use crate::auth::keys::sha256_hex;
use crate::domain::audit::{self, Audit};
use crate::domain::user_management::{Page, page};
use crate::domain::{Actor, account_proved, confirm, in_transaction, lookup, now};
use crate::error::{AppError, AppResult, on_unique_violation};

/// NerdGraph's answer for a key that is blank, too long or has other characters than `A-Z0-9_`.
pub const INVALID_KEY: &str = "Invalid key specified: key is blank, too long, or contains invalid characters.";
/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 64;
/// Longest value accepted, in characters (New Relic's limit).
pub const MAX_VALUE_LEN: usize = 3000;
const AUDIT_TYPE: &str = "synthetics_secure_credential";

/// A credential's value. Its `Debug` is redacted, and nothing reads it but the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialValue(String);

impl fmt::Debug for CredentialValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialValue(***)")
    }
}

impl CredentialValue {
    pub fn new(value: String) -> Self {
        CredentialValue(value)
    }

    /// The value's SHA-256, once it is known to be 1 to [`MAX_VALUE_LEN`] characters.
    fn checked_hash(&self) -> AppResult<String> {
        let len = self.0.chars().count();
        if len == 0 || len > MAX_VALUE_LEN {
            return Err(AppError::bad_input(format!(
                "Invalid value specified: value is blank or longer than {MAX_VALUE_LEN} characters."
            )));
        }
        Ok(sha256_hex(&self.0))
    }
}

/// `syntheticsCreateSecureCredential`'s input.
#[derive(Debug, Clone)]
pub struct NewSecureCredential {
    pub account_id: i32,
    pub key: String,
    /// Absent means empty.
    pub description: Option<String>,
    pub value: CredentialValue,
}

/// `syntheticsUpdateSecureCredential`'s input: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SecureCredentialChanges {
    pub description: Option<String>,
    pub value: Option<CredentialValue>,
}

/// A key as NerdGraph accepts it: 1 to 64 upper-case letters, digits or `_`, exactly as given.
pub fn key(text: &str) -> AppResult<&str> {
    let valid = !text.is_empty()
        && text.len() <= MAX_KEY_LEN
        && text.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if valid { Ok(text) } else { Err(AppError::bad_input(INVALID_KEY)) }
}

fn not_found(key: &str) -> AppError {
    AppError::not_found(format!("Secure credential with key '{}' not found.", echo(key)))
}

/// What the audit trail keeps of a credential: never its value or hash.
fn snapshot(credential: &credential::Model) -> Value {
    json!({
        "key": credential.key,
        "description": credential.description,
        "updatedAt": credential.updated_at,
    })
}

fn audit_id(credential: &credential::Model) -> String {
    format!("{}/{}", credential.account_id, credential.key)
}

/// A page of `account_id`'s credentials by key, after the key `after`.
pub async fn page_of(
    db: &impl ConnectionTrait,
    account_id: i32,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<credential::Model>, DbErr> {
    let select = credential::Entity::find()
        .filter(credential::Column::AccountId.eq(account_id))
        .order_by_asc(credential::Column::Key);
    let after = after.map(|key| Condition::all().add(credential::Column::Key.gt(key)));
    page(db, select, after, 0, limit).await
}

/// Creates a credential in an account of the caller's organization; its key must be new there.
pub async fn create(
    db: &DatabaseConnection,
    proof: &Allowed<UseCapability>,
    input: NewSecureCredential,
) -> AppResult<credential::Model> {
    let caller = proof.actor();
    let account_id = account_proved(proof, MODIFY_SECURE_CREDENTIALS)?;
    if account_id != input.account_id {
        return Err(AppError::Internal("a secure credential proof for another account".to_owned()));
    }
    let key = key(&input.key)?.to_owned();
    let value_hash = input.value.checked_hash()?;
    in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let account = lookup::account_for_update(txn, &caller.organization_id, account_id).await?;
        let now = now();
        let created = credential::ActiveModel {
            account_id: Set(account.id),
            key: Set(key.clone()),
            description: Set(input.description.clone().unwrap_or_default()),
            value_hash: Set(value_hash.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(|e| {
            on_unique_violation(e, || format!("Secure credential with key '{}' already exists.", echo(&key)))
        })?;
        audit::record(
            txn,
            Audit::changed(caller, "create", AUDIT_TYPE, audit_id(&created), None, Some(snapshot(&created))),
        )
        .await?;
        Ok(created)
    })
    .await
}

/// The credential `key` of an account of the caller's organization, locked for the rest of the
/// transaction on PostgreSQL.
async fn for_change(
    db: &impl ConnectionTrait,
    caller: &Actor,
    account_id: i32,
    key: &str,
) -> AppResult<credential::Model> {
    let account = lookup::account_for_update(db, &caller.organization_id, account_id).await?;
    credential::Entity::find_by_id((account.id, key.to_owned()))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| not_found(key))
}

/// Changes a credential's description and/or value. Every update with a value counts as a change
/// (the value cannot be compared); one that changes nothing records nothing.
pub async fn update(
    db: &DatabaseConnection,
    proof: &Allowed<UseCapability>,
    key_text: &str,
    changes: SecureCredentialChanges,
) -> AppResult<credential::Model> {
    let caller = proof.actor();
    let account_id = account_proved(proof, MODIFY_SECURE_CREDENTIALS)?;
    let key = key(key_text)?;
    let value_hash = changes.value.as_ref().map(CredentialValue::checked_hash).transpose()?;
    in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let before = for_change(txn, caller, account_id, key).await?;
        let mut model: credential::ActiveModel = before.clone().into();
        if let Some(description) = changes.description.clone().filter(|d| *d != before.description) {
            model.description = Set(description);
        }
        if let Some(hash) = value_hash.clone() {
            // `Set` even when equal: a value given is a change.
            model.value_hash = Set(hash);
        }
        if !model.is_changed() {
            return Ok(before);
        }
        model.updated_at = Set(now());
        let after = model.update(txn).await?;
        let mut after_snapshot = snapshot(&after);
        after_snapshot["valueChanged"] = Value::Bool(value_hash.is_some());
        audit::record(
            txn,
            Audit::changed(
                caller,
                "update",
                AUDIT_TYPE,
                audit_id(&after),
                Some(snapshot(&before)),
                Some(after_snapshot),
            ),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// Deletes a credential.
pub async fn delete(
    db: &DatabaseConnection,
    proof: &Allowed<UseCapability>,
    key_text: &str,
) -> AppResult<credential::Model> {
    let caller = proof.actor();
    let account_id = account_proved(proof, DELETE_SECURE_CREDENTIALS)?;
    let key = key(key_text)?;
    in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let before = for_change(txn, caller, account_id, key).await?;
        credential::Entity::delete_by_id((before.account_id, before.key.clone())).exec(txn).await?;
        audit::record(
            txn,
            Audit::changed(caller, "delete", AUDIT_TYPE, audit_id(&before), Some(snapshot(&before)), None),
        )
        .await?;
        Ok(before)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_upper_case_letters_digits_and_underscores() {
        for good in ["TEST_SECURE_CRED", "A", "KEY_2", &"K".repeat(64)] {
            assert_eq!(key(good).ok(), Some(good), "{good}");
        }
        for bad in ["", "TEST-BAD-KEY", "bad-key", "lower", "SPACE KEY", " KEY", "KÉY", &"K".repeat(65)] {
            assert_eq!(key(bad).err().map(|e| e.to_string()).as_deref(), Some(INVALID_KEY), "{bad}");
        }
    }

    #[test]
    fn values_are_hashed_only_when_not_blank_and_not_too_long() {
        let hash = CredentialValue::new("s3cret".into()).checked_hash().ok();
        assert_eq!(hash, Some(sha256_hex("s3cret")));
        assert!(CredentialValue::new(String::new()).checked_hash().is_err());
        assert!(CredentialValue::new("x".repeat(MAX_VALUE_LEN + 1)).checked_hash().is_err());
        assert_eq!(format!("{:?}", CredentialValue::new("s3cret".into())), "CredentialValue(***)");
    }
}
