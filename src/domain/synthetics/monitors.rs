//! Synthetics monitors of an account: create, update and delete for the seven kinds (NerdGraph's
//! `synthetics{Create,Update}*Monitor` and `syntheticsDeleteMonitor`), and the reads behind
//! `actor.account(id).synthetics`.
//!
//! Each change is one transaction with an audit event (target type [`TARGET_TYPE`], target id the
//! monitor's GUID, actor the caller): the audit trail is the monitor's edit history. Script text,
//! step values, custom header values and verified-script-execution passwords never enter it (the
//! trail is readable by organization administrators who may not see a script): a SHA-256 digest
//! shows that they changed.
//!
//! Who may do what is decided by `access::synthetics` before these run. Here are NerdGraph's input
//! rules (module [`checks`]) and the invariants: a monitor's private locations are private
//! locations of its own account.

mod checks;

use crate::domain::validate::echo;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::enums::{AccountStatus, SyntheticsEntityKind};
pub use entity::enums::{MonitorKind, MonitorStatus};
use entity::{account, audit_event, synthetics_monitor, synthetics_permission_rule, synthetics_private_location};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub use self::checks::{PERIODS, PUBLIC_LOCATIONS};
use super::guid::{self, GuidKind};
use crate::access::decision::{Allowed, SyntheticsChange, SyntheticsWrite};
use crate::access::synthetics::MonitorScope;
use crate::domain::audit::{self, Audit};
use crate::domain::user_management::{Page, page};
use crate::domain::{Actor, confirm, in_transaction, new_uuid, now, validate, wrong_proof};
use crate::error::{AppError, AppResult};

/// The audit trail's target type for monitors.
pub const TARGET_TYPE: &str = "synthetics_monitor";

/// The runtime a monitor's jobs run on. A monitor without one runs on the legacy runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Runtime {
    /// `CHROME_BROWSER` or `NODE_API`, depending on the kind.
    pub runtime_type: String,
    /// E.g. `100` (Chrome) or `16.10` (Node).
    pub runtime_type_version: String,
    /// `JAVASCRIPT`; only simple browser and scripted monitors name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_language: Option<String>,
}

/// One step of a step monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub ordinal: i32,
    /// A `SyntheticsStepType` name, e.g. `NAVIGATE`.
    #[serde(rename = "type")]
    pub step_type: String,
    #[serde(default)]
    pub values: Vec<String>,
}

/// A tag of a monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub values: Vec<String>,
}

/// A header a simple or simple browser monitor sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomHeader {
    pub name: String,
    pub value: String,
}

/// The device a browser monitor emulates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceEmulation {
    /// A `SyntheticsDeviceOrientation` name.
    pub device_orientation: String,
    /// A `SyntheticsDeviceType` name.
    pub device_type: String,
}

/// The advanced options of every kind together; each kind's input carries only its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AdvancedOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_headers: Option<Vec<CustomHeader>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_emulation: Option<DeviceEmulation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_screenshot_on_failure_and_script: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_is_failure: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_validation_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub should_bypass_head_request: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_tls_validation: Option<bool>,
}

impl AdvancedOptions {
    /// Takes every option `changes` gives and keeps the others.
    fn merge(&mut self, changes: AdvancedOptions) {
        fn take<T>(slot: &mut Option<T>, new: Option<T>) {
            if new.is_some() {
                *slot = new;
            }
        }
        take(&mut self.custom_headers, changes.custom_headers);
        take(&mut self.device_emulation, changes.device_emulation);
        take(&mut self.enable_screenshot_on_failure_and_script, changes.enable_screenshot_on_failure_and_script);
        take(&mut self.redirect_is_failure, changes.redirect_is_failure);
        take(&mut self.response_validation_text, changes.response_validation_text);
        take(&mut self.should_bypass_head_request, changes.should_bypass_head_request);
        take(&mut self.use_tls_validation, changes.use_tls_validation);
    }
}

/// The kind-specific settings, stored together in the `settings` column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apdex_target: Option<f64>,
    /// `SyntheticsBrowser` names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browsers: Option<Vec<String>>,
    /// `SyntheticsDevice` names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<String>>,
    pub advanced_options: AdvancedOptions,
    /// Certificate check monitors: the host whose certificate is checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Certificate check monitors: fail this many days before the certificate expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_days_to_fail_before_cert_expires: Option<i32>,
    /// SHA-256 (hex) of the verified-script-execution password given for a private location, by
    /// the location's GUID. The password itself is never stored.
    pub vse_password_hashes: BTreeMap<String, String>,
}

/// A stored monitor, its JSON columns decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitor {
    pub id: String,
    pub account_id: i32,
    pub guid: String,
    pub kind: MonitorKind,
    pub name: String,
    /// A `SyntheticsMonitorPeriod` name.
    pub period: String,
    pub status: MonitorStatus,
    pub uri: Option<String>,
    pub script: Option<String>,
    pub steps: Option<Vec<Step>>,
    /// Public location codes, as given (`AP_SOUTH_1`, `AWS_US_WEST_2`).
    pub public_locations: Vec<String>,
    /// GUIDs of private locations of the account.
    pub private_locations: Vec<String>,
    pub runtime: Option<Runtime>,
    pub settings: Settings,
    pub tags: Vec<Tag>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A private location a client names for a monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateLocationInput {
    pub guid: String,
    /// Required when the location uses verified script execution and the monitor is scripted.
    pub vse_password: Option<String>,
}

/// Where a monitor runs from, as a client gives it. A list left out is empty; a value with both
/// lists left out means "no change" on an update (Go clients send `{}` or `{"public": null}` for
/// a locations struct they did not fill).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocationsInput {
    pub public: Option<Vec<String>>,
    pub private: Option<Vec<PrivateLocationInput>>,
}

impl LocationsInput {
    fn is_given(&self) -> bool {
        self.public.is_some() || self.private.is_some()
    }
}

/// A create or update request. `None` leaves a field as it is (a create starts from nothing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonitorChanges {
    pub name: Option<String>,
    /// A `SyntheticsMonitorPeriod` name.
    pub period: Option<String>,
    pub status: Option<MonitorStatus>,
    pub uri: Option<String>,
    pub script: Option<String>,
    pub steps: Option<Vec<Step>>,
    pub locations: Option<LocationsInput>,
    /// A runtime whose type and version are both blank selects the legacy runtime.
    pub runtime: Option<Runtime>,
    pub tags: Option<Vec<Tag>>,
    pub apdex_target: Option<f64>,
    pub browsers: Option<Vec<String>>,
    pub devices: Option<Vec<String>>,
    /// Merged option by option into the monitor's advanced options.
    pub advanced_options: Option<AdvancedOptions>,
    pub domain: Option<String>,
    pub number_days_to_fail_before_cert_expires: Option<i32>,
}

/// Where a page of monitors starts: after this (name, id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageKey {
    pub name: String,
    pub id: String,
}

impl Monitor {
    /// A new monitor of `kind` with nothing set yet.
    fn blank(account_id: i32, kind: MonitorKind) -> Self {
        let id = new_uuid();
        let at = now();
        Monitor {
            guid: guid::encode(account_id, GuidKind::Monitor, &id),
            id,
            account_id,
            kind,
            name: String::new(),
            period: String::new(),
            status: MonitorStatus::Enabled,
            uri: None,
            script: None,
            steps: None,
            public_locations: Vec::new(),
            private_locations: Vec::new(),
            runtime: None,
            settings: Settings::default(),
            tags: Vec::new(),
            created_at: at,
            updated_at: at,
        }
    }

    /// Decodes a stored row; a JSON column that does not decode is an internal error.
    pub fn from_model(model: synthetics_monitor::Model) -> AppResult<Self> {
        let guid = model.guid.clone();
        let decode_err = |column: &str, err: serde_json::Error| {
            AppError::Internal(format!("monitor {guid}: column {column} does not decode: {err}"))
        };
        Ok(Monitor {
            steps: model.steps.map(decode::<Vec<Step>>).transpose().map_err(|e| decode_err("steps", e))?,
            public_locations: decode(model.public_locations).map_err(|e| decode_err("public_locations", e))?,
            private_locations: decode(model.private_locations).map_err(|e| decode_err("private_locations", e))?,
            runtime: model.runtime.map(decode::<Runtime>).transpose().map_err(|e| decode_err("runtime", e))?,
            settings: decode(model.settings).map_err(|e| decode_err("settings", e))?,
            tags: decode(model.tags).map_err(|e| decode_err("tags", e))?,
            id: model.id,
            account_id: model.account_id,
            guid: model.guid,
            kind: model.kind,
            name: model.name,
            period: model.period,
            status: model.status,
            uri: model.uri,
            script: model.script,
            created_at: model.created_at,
            updated_at: model.updated_at,
        })
    }

    /// The row for this monitor, every column set.
    fn to_active_model(&self) -> AppResult<synthetics_monitor::ActiveModel> {
        Ok(synthetics_monitor::ActiveModel {
            id: Set(self.id.clone()),
            account_id: Set(self.account_id),
            guid: Set(self.guid.clone()),
            kind: Set(self.kind),
            name: Set(self.name.clone()),
            period: Set(self.period.clone()),
            status: Set(self.status),
            uri: Set(self.uri.clone()),
            script: Set(self.script.clone()),
            steps: Set(self.steps.as_ref().map(encode).transpose()?),
            public_locations: Set(encode(&self.public_locations)?),
            private_locations: Set(encode(&self.private_locations)?),
            runtime: Set(self.runtime.as_ref().map(encode).transpose()?),
            settings: Set(encode(&self.settings)?),
            tags: Set(encode(&self.tags)?),
            created_at: Set(self.created_at),
            updated_at: Set(self.updated_at),
        })
    }

    /// What the audit trail records of the monitor: its settings, with secrets and scripts as
    /// digests only.
    fn snapshot(&self) -> Value {
        let options = &self.settings.advanced_options;
        let header_names: Option<Vec<&str>> =
            options.custom_headers.as_ref().map(|hs| hs.iter().map(|h| h.name.as_str()).collect());
        json!({
            "type": self.kind,
            "name": self.name,
            "period": self.period,
            "status": self.status,
            "uri": self.uri,
            "domain": self.settings.domain,
            "numberDaysToFailBeforeCertExpires": self.settings.number_days_to_fail_before_cert_expires,
            "locations": { "public": self.public_locations, "private": self.private_locations },
            "runtime": self.runtime,
            "tags": self.tags,
            "apdexTarget": self.settings.apdex_target,
            "browsers": self.settings.browsers,
            "devices": self.settings.devices,
            "customHeaderNames": header_names,
            "scriptSha256": self.script.as_deref().map(digest),
            "stepsSha256": self.steps.as_ref().map(|s| digest(&json!(s).to_string())),
        })
    }
}

fn decode<T: DeserializeOwned>(value: Value) -> Result<T, serde_json::Error> {
    serde_json::from_value(value)
}

fn encode<T: Serialize>(value: &T) -> AppResult<Value> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(format!("a monitor column does not encode: {e}")))
}

/// SHA-256 of `text`, in hex.
fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A monitor GUID in its canonical (unpadded) form, with its account; `None` for anything that
/// is not a monitor GUID.
pub fn parse_guid(text: &str) -> Option<(i32, String)> {
    let parsed = guid::decode(text).filter(|g| g.kind == GuidKind::Monitor)?;
    Some((parsed.account_id, guid::encode(parsed.account_id, GuidKind::Monitor, &parsed.id)))
}

/// The answer for a GUID that names no monitor of the account.
fn monitor_not_found(guid: &str) -> AppError {
    AppError::not_found(format!("Monitor {} not found", echo(guid)))
}

/// Creates a monitor of `kind` in `account_id` (an active account of the caller's organization).
pub async fn create(
    db: &DatabaseConnection,
    proof: &Allowed<SyntheticsChange>,
    kind: MonitorKind,
    changes: MonitorChanges,
) -> AppResult<Monitor> {
    let SyntheticsChange { account: account_id, op: SyntheticsWrite::CreateMonitor, .. } = *proof.what() else {
        return Err(wrong_proof("a monitor"));
    };
    let caller = proof.actor();
    in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        active_account(txn, caller, account_id).await?;
        let mut monitor = Monitor::blank(account_id, kind);
        apply(txn, &mut monitor, changes).await?;
        checks::monitor(&monitor)?;
        monitor.to_active_model()?.insert(txn).await?;
        audit::record(
            txn,
            Audit::changed(caller, "create", TARGET_TYPE, &monitor.guid, None, Some(monitor.snapshot())),
        )
        .await?;
        Ok(monitor)
    })
    .await
}

/// Changes the monitor `guid` of `account_id`, which must be of `kind` (each kind has its own
/// update mutation). An update that changes nothing records nothing.
pub async fn update(
    db: &DatabaseConnection,
    proof: &Allowed<SyntheticsChange>,
    kind: MonitorKind,
    changes: MonitorChanges,
) -> AppResult<Monitor> {
    let SyntheticsChange { account: account_id, op: SyntheticsWrite::EditMonitor(guid), .. } = proof.what() else {
        return Err(wrong_proof("a monitor"));
    };
    let (account_id, guid, caller) = (*account_id, guid.as_str(), proof.actor());
    in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        active_account(txn, caller, account_id).await?;
        let before = monitor_for_update(txn, account_id, guid).await?;
        if before.kind != kind {
            return Err(AppError::bad_input(format!(
                "Monitor {} is a {} monitor, not a {} monitor",
                echo(guid),
                before.kind.as_str(),
                kind.as_str()
            )));
        }
        let mut after = before.clone();
        apply(txn, &mut after, changes).await?;
        checks::monitor(&after)?;
        if after == before {
            return Ok(before);
        }
        after.updated_at = now();
        after.to_active_model()?.update(txn).await?;
        audit::record(
            txn,
            Audit::changed(caller, "update", TARGET_TYPE, guid, Some(before.snapshot()), Some(after.snapshot())),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// Deletes the monitor `guid` of `account_id`, with the permission rules that named it; returns
/// the deleted GUID.
pub async fn delete(db: &DatabaseConnection, proof: &Allowed<SyntheticsChange>) -> AppResult<String> {
    let SyntheticsChange { account: account_id, op: SyntheticsWrite::DeleteMonitor(guid), .. } = proof.what() else {
        return Err(wrong_proof("a monitor"));
    };
    let (account_id, guid, caller) = (*account_id, guid.as_str(), proof.actor());
    in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        active_account(txn, caller, account_id).await?;
        let before = monitor_for_update(txn, account_id, guid).await?;
        synthetics_monitor::Entity::delete_by_id(before.id.clone()).exec(txn).await?;
        synthetics_permission_rule::Entity::delete_many()
            .filter(synthetics_permission_rule::Column::EntityKind.eq(SyntheticsEntityKind::Monitor))
            .filter(synthetics_permission_rule::Column::Target.eq(guid))
            .exec(txn)
            .await?;
        audit::record(txn, Audit::changed(caller, "delete", TARGET_TYPE, guid, Some(before.snapshot()), None)).await?;
        Ok(before.guid)
    })
    .await
}

/// The account, when it is an active account of the caller's organization.
async fn active_account(db: &impl ConnectionTrait, caller: &Actor, account_id: i32) -> AppResult<()> {
    account::Entity::find_by_id(account_id)
        .filter(account::Column::OrganizationId.eq(caller.organization_id.as_str()))
        .filter(account::Column::Status.eq(AccountStatus::Active))
        .one(db)
        .await?
        .map(|_| ())
        .ok_or_else(|| AppError::not_found(format!("Account {account_id} not found")))
}

/// The monitor, locked for the rest of the transaction on PostgreSQL.
async fn monitor_for_update(db: &impl ConnectionTrait, account_id: i32, guid: &str) -> AppResult<Monitor> {
    let model = synthetics_monitor::Entity::find()
        .filter(synthetics_monitor::Column::AccountId.eq(account_id))
        .filter(synthetics_monitor::Column::Guid.eq(guid))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| monitor_not_found(guid))?;
    Monitor::from_model(model)
}

/// Applies `changes` to `monitor`: the fields given replace the monitor's, advanced options merge
/// option by option, and new private locations are resolved against the account's.
async fn apply(db: &impl ConnectionTrait, monitor: &mut Monitor, changes: MonitorChanges) -> AppResult<()> {
    let MonitorChanges {
        name,
        period,
        status,
        uri,
        script,
        steps,
        locations,
        runtime,
        tags,
        apdex_target,
        browsers,
        devices,
        advanced_options,
        domain,
        number_days_to_fail_before_cert_expires,
    } = changes;
    if let Some(name) = name {
        monitor.name = validate::name("Name", &name)?;
    }
    replace(&mut monitor.period, period.map(|p| p.trim().to_owned()));
    replace(&mut monitor.status, status);
    replace_some(&mut monitor.uri, uri.map(|u| u.trim().to_owned()));
    replace_some(&mut monitor.script, script);
    replace_some(&mut monitor.steps, steps);
    replace(&mut monitor.tags, tags);
    if let Some(runtime) = runtime {
        monitor.runtime = not_legacy(runtime);
    }
    let settings = &mut monitor.settings;
    replace_some(&mut settings.apdex_target, apdex_target);
    replace_some(&mut settings.browsers, browsers);
    replace_some(&mut settings.devices, devices);
    replace_some(&mut settings.domain, domain.map(|d| d.trim().to_owned()));
    replace_some(&mut settings.number_days_to_fail_before_cert_expires, number_days_to_fail_before_cert_expires);
    if let Some(options) = advanced_options {
        settings.advanced_options.merge(options);
    }
    match locations.filter(LocationsInput::is_given) {
        Some(locations) => set_locations(db, monitor, locations).await,
        None => Ok(()),
    }
}

fn replace<T>(slot: &mut T, new: Option<T>) {
    if let Some(value) = new {
        *slot = value;
    }
}

fn replace_some<T>(slot: &mut Option<T>, new: Option<T>) {
    if new.is_some() {
        *slot = new;
    }
}

/// `None` (the legacy runtime) for a runtime whose type and version are both blank.
fn not_legacy(runtime: Runtime) -> Option<Runtime> {
    if runtime.runtime_type.trim().is_empty() && runtime.runtime_type_version.trim().is_empty() {
        return None;
    }
    let script_language = runtime.script_language.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
    Some(Runtime {
        runtime_type: runtime.runtime_type.trim().to_owned(),
        runtime_type_version: runtime.runtime_type_version.trim().to_owned(),
        script_language,
    })
}

/// Replaces the monitor's locations. Every private location must be one of the monitor's
/// account; a scripted monitor running in a location with verified script execution needs its
/// password (given now, or given before for that location).
async fn set_locations(db: &impl ConnectionTrait, monitor: &mut Monitor, locations: LocationsInput) -> AppResult<()> {
    let public = dedup(locations.public.unwrap_or_default().into_iter().map(|p| p.trim().to_owned()));
    let private: Vec<(String, Option<String>)> = locations
        .private
        .unwrap_or_default()
        .into_iter()
        .map(|p| (canonical_location(&p.guid), p.vse_password))
        .collect();
    let guids = dedup(private.iter().map(|(guid, _)| guid.clone()));
    let found = private_locations(db, monitor.account_id, &guids).await?;
    let mut hashes = BTreeMap::new();
    for guid in &guids {
        let location = found.get(guid).ok_or_else(|| {
            AppError::bad_input(format!(
                "Private location {} is not a private location of account {}",
                echo(guid),
                monitor.account_id
            ))
        })?;
        let password = private.iter().filter(|(g, _)| g == guid).find_map(|(_, p)| p.as_deref());
        match password.map(digest).or_else(|| monitor.settings.vse_password_hashes.get(guid).cloned()) {
            Some(hash) => {
                hashes.insert(guid.clone(), hash);
            }
            None if location.verified_script_execution && checks::is_scripted(monitor.kind) => {
                return Err(AppError::bad_input(format!(
                    "Private location {} uses verified script execution: its vsePassword is required",
                    echo(guid)
                )));
            }
            None => {}
        }
    }
    monitor.public_locations = public;
    monitor.private_locations = guids;
    monitor.settings.vse_password_hashes = hashes;
    Ok(())
}

/// A private location GUID in its canonical (unpadded) form; other text as it is, trimmed (it
/// will name no location).
fn canonical_location(text: &str) -> String {
    guid::decode(text)
        .filter(|g| g.kind == GuidKind::PrivateLocation)
        .map(|g| guid::encode(g.account_id, g.kind, &g.id))
        .unwrap_or_else(|| text.trim().to_owned())
}

/// The private locations of `account_id` among `guids`, by GUID (no statement for none).
async fn private_locations(
    db: &impl ConnectionTrait,
    account_id: i32,
    guids: &[String],
) -> AppResult<BTreeMap<String, synthetics_private_location::Model>> {
    if guids.is_empty() {
        return Ok(BTreeMap::new());
    }
    Ok(synthetics_private_location::Entity::find()
        .filter(synthetics_private_location::Column::AccountId.eq(account_id))
        .filter(synthetics_private_location::Column::Guid.is_in(guids.iter().cloned()))
        // Shared on PostgreSQL: the locations exist until the monitor naming them is committed.
        .order_by_asc(synthetics_private_location::Column::Id)
        .lock_shared()
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.guid.clone(), l))
        .collect())
}

/// The values in their first order, each once.
fn dedup(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// The monitor `guid` of `account_id`, if there is one.
pub async fn find(db: &impl ConnectionTrait, account_id: i32, guid: &str) -> AppResult<Option<Monitor>> {
    synthetics_monitor::Entity::find()
        .filter(synthetics_monitor::Column::AccountId.eq(account_id))
        .filter(synthetics_monitor::Column::Guid.eq(guid))
        .one(db)
        .await?
        .map(Monitor::from_model)
        .transpose()
}

/// A page of the account's monitors in `scope`, by name then id, after `after`: two statements
/// (the count and the page), none when the scope is empty.
pub async fn page_of(
    db: &impl ConnectionTrait,
    account_id: i32,
    scope: &MonitorScope,
    after: Option<&PageKey>,
    limit: u64,
) -> AppResult<Page<Monitor>> {
    use synthetics_monitor::Column;
    let mut select = synthetics_monitor::Entity::find()
        .filter(Column::AccountId.eq(account_id))
        .order_by_asc(Column::Name)
        .order_by_asc(Column::Id);
    match scope {
        MonitorScope::All => {}
        MonitorScope::Only(guids) if guids.is_empty() => {
            return Ok(Page { items: Vec::new(), total: 0, has_more: false });
        }
        MonitorScope::Only(guids) => select = select.filter(Column::Guid.is_in(guids.iter().cloned())),
    }
    let after = after.map(|key| {
        Condition::any()
            .add(Column::Name.gt(key.name.as_str()))
            .add(Condition::all().add(Column::Name.eq(key.name.as_str())).add(Column::Id.gt(key.id.as_str())))
    });
    let found = page(db, select, after, 0, limit).await?;
    Ok(Page {
        items: found.items.into_iter().map(Monitor::from_model).collect::<AppResult<_>>()?,
        total: found.total,
        has_more: found.has_more,
    })
}

/// The audit events of the monitor `guid`, newest first: its edit history.
pub async fn history(db: &impl ConnectionTrait, guid: &str) -> Result<Vec<audit_event::Model>, DbErr> {
    audit_event::Entity::find()
        .filter(audit_event::Column::TargetType.eq(TARGET_TYPE))
        .filter(audit_event::Column::TargetId.eq(guid))
        .order_by_desc(audit_event::Column::Id)
        .all(db)
        .await
}
