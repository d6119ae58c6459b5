//! Previewing changes: the changes are made through the same domain operations as the mutations
//! (their `*_in` forms), inside one transaction that is always rolled back, and every user's
//! effective access is compared before and after. Exact by construction; nothing is changed.

use std::collections::{BTreeMap, HashMap};

use entity::capability;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait,
};

use super::authorization::{self, GrantChange, RequestedGrant};
use super::groups::{self, MembershipChange};
use super::users::{self, UserChanges};
use super::{access_facts, write_transaction};
use crate::access::decision::{Allowed, ManageGrants, ManageGroups, ManageUsers};
use crate::access::{AccountId, CapabilityId, Catalog, EffectiveAccess};
use crate::error::{AppError, AppResult};

/// One change to preview, with the proof its mutation would ask for.
pub enum Change {
    Grants { proof: Allowed<ManageGrants>, change: GrantChange, group_id: String, requested: Vec<RequestedGrant> },
    Members { proof: Allowed<ManageGroups>, change: MembershipChange, group_ids: Vec<String>, user_ids: Vec<String> },
    UpdateUser { proof: Allowed<ManageUsers>, id: String, changes: UserChanges },
    DeleteGroup { proof: Allowed<ManageGroups>, id: String },
}

/// How one user's capabilities on one account (`None`: the organization) would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub user_id: i64,
    pub email: String,
    pub account: Option<AccountId>,
    pub gained: Vec<(CapabilityId, String)>,
    pub lost: Vec<(CapabilityId, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    pub effects: Vec<Effect>,
    /// Why a change would fail (it is then left out: the others still apply).
    pub errors: Vec<String>,
}

/// Previews `changes`, applied in order, for the users of `organization_id`.
pub async fn preview(
    db: &DatabaseConnection,
    catalog: &Catalog,
    organization_id: &str,
    changes: Vec<Change>,
) -> AppResult<Preview> {
    let txn = db.begin_with_options(write_transaction()).await?;
    let result = preview_in(&txn, catalog, organization_id, changes).await;
    // Always rolled back: a preview changes nothing.
    if let Err(rollback) = txn.rollback().await {
        tracing::warn!(error = %rollback, "rolling back a preview failed");
    }
    result
}

async fn preview_in(
    txn: &DatabaseTransaction,
    catalog: &Catalog,
    organization_id: &str,
    changes: Vec<Change>,
) -> AppResult<Preview> {
    let users = users_of(txn, organization_id).await?;
    let ids: Vec<i64> = users.keys().copied().collect();
    let before = access_facts::effective_access(txn, catalog, &ids).await?;
    let mut errors = Vec::new();
    for change in changes {
        // Each change in its own savepoint: a refused change leaves no trace, the others apply.
        let savepoint = txn.begin().await?;
        let applied = apply(&savepoint, change).await;
        match applied {
            Ok(()) => savepoint.commit().await?,
            Err(err @ (AppError::Database(_) | AppError::Internal(_))) => return Err(err),
            Err(refused) => {
                savepoint.rollback().await?;
                errors.push(refused.to_string());
            }
        }
    }
    let after = access_facts::effective_access(txn, catalog, &ids).await?;

    let mut diffs: Vec<(i64, Difference)> = Vec::new();
    let none = EffectiveAccess::default();
    for id in &ids {
        let old = before.get(id).unwrap_or(&none);
        let new = after.get(id).unwrap_or(&none);
        diffs.extend(differences(old, new).into_iter().map(|d| (*id, d)));
    }
    let mentioned: Vec<CapabilityId> =
        diffs.iter().flat_map(|(_, (_, g, l))| g.iter().chain(l.iter()).copied()).collect();
    let names: HashMap<CapabilityId, String> = if mentioned.is_empty() {
        HashMap::new()
    } else {
        capability::Entity::find()
            .filter(capability::Column::Id.is_in(mentioned))
            .all(txn)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    };
    let named = |ids: Vec<CapabilityId>| -> Vec<(CapabilityId, String)> {
        ids.into_iter().map(|id| (id, names.get(&id).cloned().unwrap_or_default())).collect()
    };
    let effects = diffs
        .into_iter()
        .map(|(user_id, (account, gained, lost))| Effect {
            user_id,
            email: users.get(&user_id).cloned().unwrap_or_default(),
            account,
            gained: named(gained),
            lost: named(lost),
        })
        .collect();
    Ok(Preview { effects, errors })
}

async fn apply(txn: &DatabaseTransaction, change: Change) -> AppResult<()> {
    match change {
        Change::Grants { proof, change, group_id, requested } => {
            authorization::change_grants_in(txn, &proof, change, &group_id, &requested).await.map(drop)
        }
        Change::Members { proof, change, group_ids, user_ids } => {
            groups::change_members_in(txn, &proof, change, &group_ids, &user_ids).await.map(drop)
        }
        Change::UpdateUser { proof, id, changes } => users::update_in(txn, &proof, &id, changes).await.map(drop),
        Change::DeleteGroup { proof, id } => groups::delete_in(txn, &proof, &id).await.map(drop),
    }
}

/// On one account (`None`: the organization): the capabilities gained, and those lost.
type Difference = (Option<AccountId>, Vec<CapabilityId>, Vec<CapabilityId>);

/// Per account (then the organization, `None`), what `new` has that `old` has not, and the reverse.
fn differences(old: &EffectiveAccess, new: &EffectiveAccess) -> Vec<Difference> {
    let mut accounts: BTreeMap<AccountId, ()> = BTreeMap::new();
    accounts.extend(old.accounts().map(|a| (a, ())));
    accounts.extend(new.accounts().map(|a| (a, ())));
    let empty = Default::default();
    let mut out = Vec::new();
    let mut diff = |account, o: &crate::access::CapabilitySet, n: &crate::access::CapabilitySet| {
        let gained: Vec<_> = n.difference(o).copied().collect();
        let lost: Vec<_> = o.difference(n).copied().collect();
        if !gained.is_empty() || !lost.is_empty() {
            out.push((account, gained, lost));
        }
    };
    diff(None, old.organization_capabilities(), new.organization_capabilities());
    for account in accounts.keys() {
        diff(
            Some(*account),
            old.account_capabilities(*account).unwrap_or(&empty),
            new.account_capabilities(*account).unwrap_or(&empty),
        );
    }
    out
}

/// The organization's users: id and email.
async fn users_of(db: &impl ConnectionTrait, organization_id: &str) -> AppResult<BTreeMap<i64, String>> {
    let select = Query::select()
        .expr_as(Expr::col((Alias::new("u"), Alias::new("id"))), Alias::new("id"))
        .expr_as(Expr::col((Alias::new("u"), Alias::new("email"))), Alias::new("email"))
        .from_as(Alias::new("users"), Alias::new("u"))
        .join_as(
            JoinType::InnerJoin,
            Alias::new("authentication_domains"),
            Alias::new("d"),
            Expr::col((Alias::new("d"), Alias::new("id")))
                .equals((Alias::new("u"), Alias::new("authentication_domain_id"))),
        )
        .and_where(Expr::col((Alias::new("d"), Alias::new("organization_id"))).eq(organization_id))
        .order_by((Alias::new("u"), Alias::new("id")), Order::Asc)
        .to_owned();
    let mut users = BTreeMap::new();
    for row in db.query_all(&select).await? {
        users.insert(row.try_get("", "id")?, row.try_get("", "email")?);
    }
    Ok(users)
}
