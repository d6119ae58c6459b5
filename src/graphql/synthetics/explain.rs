//! `actor.account(id).synthetics.accessExplanation(userId, guid)`: AccessGraph's own (not
//! NerdGraph's). Why a user may (or may not) View and Edit one monitor or private location under
//! the Synthetics permission system, answered by `access::explain::explain_synthetics` over the
//! same facts and decision code that decide the Synthetics requests.
//!
//! Who may ask is `Action::ExplainAccess` (anyone about themselves; about others, readers of the
//! organization's users, groups and grants). Permission group names are shown to the user asking
//! about themselves and to those who manage the account's Synthetics permissions.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::{EntityGuid, subject};
use crate::access::decision::{self, Action, SyntheticsOp};
use crate::access::explain::{self, NamedRule, SyntheticsQuestion};
use crate::access::synthetics::{EntityKind, Target};
use crate::domain::explain as domain;
use crate::domain::lookup;
use crate::domain::synthetics::guid::{self, GuidKind};
use crate::domain::synthetics::{monitors, private_locations};
use crate::error::AppError;
use crate::graphql::context::{caller, loaders, services};
use crate::graphql::customer_administration::explain::CustomerAdministrationAccessLimit;
use crate::graphql::error::storage;
use crate::graphql::guard::principal;

/// The explanation read of one account.
pub struct SyntheticsExplainReads {
    pub account_id: i32,
}

/// View and Edit of one monitor or private location for one user, and why.
#[derive(SimpleObject)]
pub struct SyntheticsAccessExplanation {
    /// View: see the monitor (its results) or the private location (its overview).
    pub view: bool,
    /// Edit: settings and script (monitor), settings (private location), and delete.
    pub edit: bool,
    /// Whether the account has the Synthetics permission system on (off: capabilities alone decide).
    pub permission_system_enabled: bool,
    /// One plain sentence.
    pub summary: String,
    /// The rules of the user's permission groups that give View (none while the system is off).
    pub view_granted_by: Vec<SyntheticsAccessRule>,
    /// The rules that give Edit.
    pub edit_granted_by: Vec<SyntheticsAccessRule>,
    /// What takes View or Edit away.
    pub limits: Vec<CustomerAdministrationAccessLimit>,
}

/// One permission rule: a group's access to one entity or to all of its kind.
#[derive(SimpleObject)]
pub struct SyntheticsAccessRule {
    /// The permission group (null when the asker may not see it).
    pub group: Option<SyntheticsAccessGroup>,
    /// `ALL`, or the GUID of the one entity the rule reaches.
    pub target: String,
    pub view: bool,
    pub edit: bool,
}

#[derive(SimpleObject)]
pub struct SyntheticsAccessGroup {
    pub id: ID,
    pub name: String,
}

fn rule(named: NamedRule, visible: bool) -> SyntheticsAccessRule {
    SyntheticsAccessRule {
        group: visible.then_some(SyntheticsAccessGroup { id: ID(named.group_id), name: named.group_name }),
        target: match named.rule.target {
            Target::All => "ALL".to_owned(),
            Target::One(guid) => guid,
        },
        view: named.rule.view,
        edit: named.rule.edit,
    }
}

#[Object]
impl SyntheticsExplainReads {
    /// AccessGraph's own: why user `userId` may or may not View and Edit the monitor or private
    /// location `guid` of this account.
    async fn access_explanation(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        guid: EntityGuid,
    ) -> Result<SyntheticsAccessExplanation> {
        let principal = principal(ctx).await?;
        let user = lookup::user_id(&user_id).ok();
        decision::check(&principal, Action::ExplainAccess { user: Some(user.unwrap_or(-1)) })
            .map_err(AppError::from)?;
        let user = user.ok_or_else(lookup::not_found)?;
        let db = &services(ctx)?.db;
        let (found, _) =
            lookup::users(db, &principal.actor.organization_id, &[user]).await?.pop().ok_or_else(lookup::not_found)?;
        crate::domain::synthetics::permissions::account_of(db, &caller(ctx)?, self.account_id).await?;

        let parsed = guid::decode(&guid.0).filter(|g| g.account_id == self.account_id).ok_or_else(|| {
            AppError::not_found(format!(
                "No monitor or private location {} in account {}",
                crate::domain::validate::echo(&guid.0),
                self.account_id
            ))
        })?;
        let canonical = guid::encode(parsed.account_id, parsed.kind, &parsed.id);
        let unknown = || {
            AppError::not_found(format!("No monitor or private location {} in account {}", canonical, self.account_id))
        };
        let (kind, label) = match parsed.kind {
            GuidKind::Monitor => {
                let monitor = monitors::find(db, self.account_id, &canonical).await?.ok_or_else(unknown)?;
                (EntityKind::Monitor, format!("monitor \"{}\"", monitor.name))
            }
            GuidKind::PrivateLocation => {
                let location = private_locations::list(db, self.account_id)
                    .await
                    .map_err(AppError::from)?
                    .into_iter()
                    .find(|l| l.guid == canonical)
                    .ok_or_else(unknown)?;
                (EntityKind::PrivateLocation, format!("private location \"{}\"", location.name))
            }
        };

        let visible = user == principal.actor.user_id
            || subject(ctx, self.account_id).await?.allows(SyntheticsOp::ManagePermissions);
        let (enabled, mut rules) = domain::synthetics_rules(db, user, self.account_id).await.map_err(AppError::from)?;
        if !visible {
            for rule in &mut rules {
                rule.group_id.clear();
                "a permission group".clone_into(&mut rule.group_name);
            }
        }
        let access = loaders(ctx)?.access.load_one(user).await.map_err(storage)?.unwrap_or_default();
        let question = SyntheticsQuestion { account: self.account_id, kind, guid: &canonical, label: &label };
        let answer = explain::explain_synthetics(user, &found.email, &access, question, enabled, &rules);
        Ok(SyntheticsAccessExplanation {
            view: answer.view,
            edit: answer.edit,
            permission_system_enabled: answer.enabled,
            summary: answer.summary,
            view_granted_by: answer.view_rules.into_iter().map(|r| rule(r, visible)).collect(),
            edit_granted_by: answer.edit_rules.into_iter().map(|r| rule(r, visible)).collect(),
            limits: answer
                .limits
                .into_iter()
                .map(|l| CustomerAdministrationAccessLimit { kind: l.kind.into(), message: l.message })
                .collect(),
        })
    }
}
