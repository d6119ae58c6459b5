//! `customerAdministration.auditEvents`: AccessGraph's own read of the audit trail (NerdGraph has
//! none), shaped like NerdGraph's customer administration lists. Newest first; the cursor holds the
//! last event of the page, so events written while a client pages never shift the pages.
//!
//! A reader sees only the events whose target they may read, and of those only what the target's
//! own read would show (`access::audit`). The target types a reader sees entirely or not at all
//! are selected in SQL; the others (API keys, Synthetics) are decided event by event, in batches
//! of [`SCAN_BATCH`] events with their facts loaded once per batch.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit_event;

use super::{PAGE_SIZE, db_error, given, viewers_organization};
use crate::access::EffectiveAccess;
use crate::access::api_keys::{KeyFacts, KeyKind};
use crate::access::audit::{self as rules, KindScope, Target, TargetKind, Visibility};
use crate::access::synthetics::SyntheticsSubject;
use crate::domain::audit;
use crate::domain::customer_administration::{self as ca, AuditFilter};
use crate::domain::synthetics::SyntheticsFacts;
use crate::graphql::context::{loaders, services, viewer};
use crate::graphql::error::{ErrorClass, storage};
use crate::graphql::guard::viewer_access;
use crate::graphql::pagination;
use crate::graphql::user_management::count;

/// Events read per statement while the events that need a decision each are filtered.
const SCAN_BATCH: u64 = 500;

/// Which audit events to read: those of one organization, optionally of one target or actor.
#[derive(InputObject)]
pub struct CustomerAdministrationAuditEventFilterInput {
    pub actor_user_id: Option<CustomerAdministrationAuditEventActorUserIdInput>,
    pub organization_id: CustomerAdministrationAuditEventOrganizationIdInput,
    pub target_id: Option<CustomerAdministrationAuditEventTargetIdInput>,
    pub target_type: Option<CustomerAdministrationAuditEventTargetTypeInput>,
}

#[derive(InputObject)]
pub struct CustomerAdministrationAuditEventActorUserIdInput {
    pub eq: Option<i32>,
}

#[derive(InputObject)]
pub struct CustomerAdministrationAuditEventOrganizationIdInput {
    pub eq: ID,
}

#[derive(InputObject)]
pub struct CustomerAdministrationAuditEventTargetIdInput {
    pub eq: Option<String>,
}

/// The kind of object changed, e.g. `organization`, `account`, `authentication_domain`, `group`,
/// `user`, `api_key`.
#[derive(InputObject)]
pub struct CustomerAdministrationAuditEventTargetTypeInput {
    pub eq: Option<String>,
}

#[derive(SimpleObject, Default)]
pub struct CustomerAdministrationAuditEventCollection {
    pub items: Vec<CustomerAdministrationAuditEvent>,
    pub next_cursor: Option<String>,
    pub total_count: i32,
}

/// One change: who did what to which object, when, with the object before and after (as much of
/// them as the reader may see).
pub struct CustomerAdministrationAuditEvent(
    pub audit_event::Model,
    pub Visibility,
    pub CustomerAdministrationAuditEventActor,
);

/// Who made a change.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CustomerAdministrationAuditEventActorType {
    /// A user, through an API key or a sign-in session.
    User,
    /// An identity provider, through the SCIM token of an authentication domain.
    ScimProvisioner,
    /// AccessGraph itself (bootstrap, migrations).
    System,
}

/// Who made a change: a user, the SCIM provisioner of an authentication domain, or the system.
#[derive(SimpleObject, Clone, Debug)]
pub struct CustomerAdministrationAuditEventActor {
    /// `USER`, `SCIM_PROVISIONER` or `SYSTEM`.
    #[graphql(name = "type")]
    pub actor_type: CustomerAdministrationAuditEventActorType,
    /// `USER`: the acting user's id (kept after the user is deleted).
    pub user_id: Option<i32>,
    /// `SCIM_PROVISIONER`: the SCIM token the change was made with (tokens are rotated, so an old
    /// one may no longer exist).
    pub scim_token_id: Option<ID>,
    /// `SCIM_PROVISIONER`: the authentication domain whose provisioner made the change.
    pub authentication_domain_id: Option<ID>,
    /// `SCIM_PROVISIONER`: that domain's name, when the reader may read authentication domains
    /// and the domain still exists.
    pub authentication_domain_name: Option<String>,
    /// One plain phrase, e.g. `user 7`, `the SCIM provisioner of authentication domain "Okta"`,
    /// `the system`.
    pub description: String,
}

impl CustomerAdministrationAuditEventActor {
    /// The actor of `event`; `provisioners` holds the provisioner of each SCIM token of the page,
    /// and `domain_names` whether the reader may see the domains' names.
    fn of(event: &audit_event::Model, provisioners: &HashMap<i64, audit::ScimProvisioner>, domain_names: bool) -> Self {
        let nobody = CustomerAdministrationAuditEventActor {
            actor_type: CustomerAdministrationAuditEventActorType::System,
            user_id: None,
            scim_token_id: None,
            authentication_domain_id: None,
            authentication_domain_name: None,
            description: "the system".to_owned(),
        };
        if let Some(token) = event.actor_scim_token_id {
            let provisioner = provisioners.get(&token);
            let domain_id = provisioner.map(|p| p.authentication_domain_id.clone());
            let name = provisioner.and_then(|p| p.authentication_domain_name.clone()).filter(|_| domain_names);
            let description = match (&name, &domain_id) {
                (Some(name), _) => format!("the SCIM provisioner of authentication domain {name:?}"),
                (None, Some(id)) => format!("the SCIM provisioner of authentication domain {id}"),
                (None, None) => format!("the SCIM provisioner of SCIM token {token}"),
            };
            return CustomerAdministrationAuditEventActor {
                actor_type: CustomerAdministrationAuditEventActorType::ScimProvisioner,
                scim_token_id: Some(ID(token.to_string())),
                authentication_domain_id: domain_id.map(ID),
                authentication_domain_name: name,
                description,
                ..nobody
            };
        }
        match event.actor_user_id {
            Some(user) => CustomerAdministrationAuditEventActor {
                actor_type: CustomerAdministrationAuditEventActorType::User,
                user_id: i32::try_from(user).ok(),
                description: format!("user {user}"),
                ..nobody
            },
            None => nobody,
        }
    }
}

#[Object]
impl CustomerAdministrationAuditEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What happened, e.g. `user.create`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The acting user; null for a change made by the system (bootstrap, migrations) or by a
    /// SCIM provisioner: `actor` says which.
    async fn actor_user_id(&self) -> Result<Option<i32>> {
        self.0
            .actor_user_id
            .map(i32::try_from)
            .transpose()
            .map_err(|_| ErrorClass::InternalServerError.error("The user id does not fit NerdGraph's Int"))
    }

    /// Who made the change: a user, the SCIM provisioner of an authentication domain, or the system.
    async fn actor(&self) -> &CustomerAdministrationAuditEventActor {
        &self.2
    }

    async fn target_type(&self) -> &str {
        &self.0.target_type
    }

    async fn target_id(&self) -> &str {
        &self.0.target_id
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The object before the change, as JSON text; null for a creation. Values the reader may
    /// not read otherwise are replaced by `"[redacted]"`.
    async fn before(&self) -> Option<String> {
        self.0.before.as_ref().map(|v| rules::redact(v, self.1).to_string())
    }

    /// The object after the change, as JSON text; null for a deletion. Values the reader may not
    /// read otherwise are replaced by `"[redacted]"`.
    async fn after(&self) -> Option<String> {
        self.0.after.as_ref().map(|v| rules::redact(v, self.1).to_string())
    }
}

/// `customerAdministration.auditEvents`: the viewer's organization's audit trail, as much of it as
/// the viewer may read.
pub(super) async fn audit_events(
    ctx: &Context<'_>,
    cursor: Option<String>,
    filter: CustomerAdministrationAuditEventFilterInput,
) -> Result<CustomerAdministrationAuditEventCollection> {
    let before = cursor.as_deref().map(pagination::decode_number::<i64>).transpose()?;
    let Some(organization_id) = viewers_organization(ctx, &filter.organization_id.eq)? else {
        return Ok(CustomerAdministrationAuditEventCollection::default());
    };
    let audit_filter = AuditFilter {
        target_type: given(filter.target_type.and_then(|t| t.eq)),
        target_id: given(filter.target_id.and_then(|t| t.eq)),
        actor_user_id: filter.actor_user_id.and_then(|a| a.eq).map(i64::from),
    };
    let reader = Reader { access: viewer_access(ctx).await?, ctx };
    let kinds_with = |scope: KindScope| -> Vec<&'static str> {
        TargetKind::ALL
            .into_iter()
            .filter(|k| rules::kind_scope(*k, &reader.access) == scope)
            .map(TargetKind::name)
            .collect()
    };
    let (whole, per_event) = (kinds_with(KindScope::All), kinds_with(KindScope::PerEvent));
    let readable: Vec<&str> = whole.iter().chain(&per_event).copied().collect();
    let db = &services(ctx)?.db;

    // The count: the whole kinds in SQL, the others event by event.
    let mut total = ca::count_audit_events(db, &organization_id, &audit_filter, &whole).await.map_err(db_error)?;
    let mut after = None;
    while !per_event.is_empty() {
        let batch = ca::audit_events(db, &organization_id, &audit_filter, &per_event, after, SCAN_BATCH)
            .await
            .map_err(db_error)?;
        let shown = reader.decide(&batch).await?;
        total += shown.iter().filter(|v| **v != Visibility::Hidden).count() as u64;
        match batch.last() {
            Some(last) if batch.len() as u64 == SCAN_BATCH => after = Some(last.id),
            _ => break,
        }
    }

    // The page: the next PAGE_SIZE events the reader sees (and one more, to know if more follow).
    let mut items = Vec::new();
    let mut after = before;
    loop {
        let batch = ca::audit_events(db, &organization_id, &audit_filter, &readable, after, SCAN_BATCH)
            .await
            .map_err(db_error)?;
        let full = batch.len() as u64 == SCAN_BATCH;
        after = batch.last().map(|e| e.id);
        let shown = reader.decide(&batch).await?;
        items.extend(batch.into_iter().zip(shown).filter(|(_, v)| *v != Visibility::Hidden));
        if items.len() as u64 > PAGE_SIZE || !full {
            break;
        }
    }
    let has_more = items.len() as u64 > PAGE_SIZE;
    items.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    let next_cursor = has_more.then(|| items.last().map(|(e, _)| pagination::encode(&e.id.to_string()))).flatten();
    // Who made each change: the SCIM provisioners of the page in one load.
    let tokens = items.iter().filter_map(|(e, _)| e.actor_scim_token_id);
    let provisioners = audit::scim_provisioners(db, &organization_id, tokens).await.map_err(db_error)?;
    let domain_names = rules::kind_scope(TargetKind::AuthenticationDomain, &reader.access) == KindScope::All;
    let items = items
        .into_iter()
        .map(|(e, v)| {
            let actor = CustomerAdministrationAuditEventActor::of(&e, &provisioners, domain_names);
            CustomerAdministrationAuditEvent(e, v, actor)
        })
        .collect();
    Ok(CustomerAdministrationAuditEventCollection { next_cursor, total_count: count(total), items })
}

/// The viewer reading the audit trail.
struct Reader<'c, 'r> {
    ctx: &'c Context<'r>,
    access: Arc<EffectiveAccess>,
}

impl Reader<'_, '_> {
    /// How much of each event of `batch` the viewer sees: the facts of the whole batch are loaded
    /// together (the accounts of Synthetics permission groups, the viewer's Synthetics facts on
    /// each account the batch names), then `access::audit` decides.
    async fn decide(&self, batch: &[audit_event::Model]) -> Result<Vec<Visibility>> {
        let group_accounts =
            audit::permission_group_accounts(&services(self.ctx)?.db, batch).await.map_err(db_error)?;
        let targets: Vec<Target<'_>> = batch.iter().map(|e| audit::target(e, &group_accounts)).collect();
        let user = viewer(self.ctx)?.user_id;
        let mut accounts: Vec<i32> = targets
            .iter()
            .filter_map(|t| match t {
                Target::SyntheticsMonitor { account, .. }
                | Target::SyntheticsPrivateLocation { account, .. }
                | Target::SyntheticsPermissionGroup { account }
                | Target::SyntheticsPermissions { account } => *account,
                _ => None,
            })
            .filter(|a| self.access.has_account_access(*a))
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        let facts: HashMap<i32, Arc<SyntheticsFacts>> = loaders(self.ctx)?
            .synthetics
            .load_many(accounts.into_iter().map(|a| (user, a)))
            .await
            .map_err(storage)?
            .into_iter()
            .map(|((_, account), facts)| (account, facts))
            .collect();
        // An account the loader has no row for has the permission system off (as `subject` reads it).
        let off = SyntheticsFacts::default();
        let subject = |account: i32| {
            let capabilities = self.access.account_capabilities(account)?;
            let facts = facts.get(&account).map_or(&off, Arc::as_ref);
            Some(SyntheticsSubject { capabilities, enabled: facts.enabled, rules: &facts.rules })
        };
        // The current access of the owners of the user keys the batch names, in one load.
        let owners: Vec<i64> = targets
            .iter()
            .filter_map(|t| match t {
                Target::ApiKey(Some(KeyFacts { kind: KeyKind::User(owner), .. })) if *owner != user => Some(*owner),
                _ => None,
            })
            .collect();
        let owner_access = loaders(self.ctx)?.access.load_many(owners).await.map_err(storage)?;
        let owners = |owner: i64| owner_access.get(&owner).cloned();
        Ok(targets.iter().map(|t| rules::may_read(user, &self.access, t, subject, &owners)).collect())
    }
}
