//! `customerAdministration.accessWhatIf`: AccessGraph's own (not NerdGraph's). Previews grants,
//! revokes, membership changes, user updates and group deletions: they are made through the same
//! domain operations as the mutations, with the same inputs and the same proofs, inside one
//! transaction that is always rolled back (`domain::what_if`); the answer is every user whose
//! effective capabilities would change. Nothing is changed.
//!
//! For those who read the organization's users, groups and grants (`Action::ExplainAccess`); each
//! change also needs what its mutation needs (a change the asker may not make is reported in
//! `errors` and left out).

use async_graphql::{Context, ID, InputObject, Result, SimpleObject};

use crate::access::decision::{self, Action, ManageGrants, ManageGroups, ManageUsers};
use crate::domain::authorization::GrantChange;
use crate::domain::groups::MembershipChange;
use crate::domain::what_if::{self, Change};
use crate::error::AppError;
use crate::graphql::authorization_management::{
    AuthorizationManagementGrantAccess, AuthorizationManagementRevokeAccess,
};
use crate::graphql::context::services;
use crate::graphql::guard::{authorize, principal};
use crate::graphql::user_management_mutations::{
    UserManagementDeleteGroup, UserManagementUpdateUser, UserManagementUsersGroupsInput,
};

/// Changes to preview, applied in this order: each list takes the input of its mutation.
#[derive(InputObject, Default)]
pub struct CustomerAdministrationAccessWhatIfChanges {
    /// As `authorizationManagementGrantAccess(grantAccessOptions)`.
    pub grant_access: Option<Vec<AuthorizationManagementGrantAccess>>,
    /// As `authorizationManagementRevokeAccess(revokeAccessOptions)`.
    pub revoke_access: Option<Vec<AuthorizationManagementRevokeAccess>>,
    /// As `userManagementAddUsersToGroups(addUsersToGroupsOptions)`.
    pub add_users_to_groups: Option<Vec<UserManagementUsersGroupsInput>>,
    /// As `userManagementRemoveUsersFromGroups(removeUsersFromGroupsOptions)`.
    pub remove_users_from_groups: Option<Vec<UserManagementUsersGroupsInput>>,
    /// As `userManagementUpdateUser(updateUserOptions)`.
    pub update_users: Option<Vec<UserManagementUpdateUser>>,
    /// As `userManagementDeleteGroup(groupOptions)`.
    pub delete_groups: Option<Vec<UserManagementDeleteGroup>>,
}

/// What the changes would do.
#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessWhatIf {
    /// One per user and account (`accountId` null: the organization) whose capabilities change.
    pub effects: Vec<CustomerAdministrationAccessEffect>,
    /// The changes that would be refused (they are left out of the effects).
    pub errors: Vec<CustomerAdministrationAccessWhatIfError>,
}

#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessEffect {
    pub user: CustomerAdministrationAccessEffectUser,
    pub account_id: Option<i32>,
    pub gained: Vec<CustomerAdministrationAccessCapability>,
    pub lost: Vec<CustomerAdministrationAccessCapability>,
}

#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessEffectUser {
    pub id: ID,
    pub email: String,
}

#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessCapability {
    pub id: ID,
    pub name: String,
}

#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessWhatIfError {
    pub message: String,
}

/// Most changes one preview takes.
const MAX_CHANGES: usize = 50;

pub(super) async fn access_what_if(
    ctx: &Context<'_>,
    changes: CustomerAdministrationAccessWhatIfChanges,
) -> Result<CustomerAdministrationAccessWhatIf> {
    let asker = principal(ctx).await?;
    decision::check(&asker, Action::ExplainAccess { user: None }).map_err(AppError::from)?;
    let count = [
        changes.grant_access.as_ref().map_or(0, Vec::len),
        changes.revoke_access.as_ref().map_or(0, Vec::len),
        changes.add_users_to_groups.as_ref().map_or(0, Vec::len),
        changes.remove_users_from_groups.as_ref().map_or(0, Vec::len),
        changes.update_users.as_ref().map_or(0, Vec::len),
        changes.delete_groups.as_ref().map_or(0, Vec::len),
    ]
    .iter()
    .sum::<usize>();
    if count > MAX_CHANGES {
        return Err(AppError::bad_input(format!("Preview at most {MAX_CHANGES} changes at once")).into());
    }

    let mut errors: Vec<String> = Vec::new();
    let mut planned: Vec<Change> = Vec::new();
    let grants = if changes.grant_access.is_some() || changes.revoke_access.is_some() {
        Some(authorize(ctx, ManageGrants).await)
    } else {
        None
    };
    let groups = if changes.add_users_to_groups.is_some()
        || changes.remove_users_from_groups.is_some()
        || changes.delete_groups.is_some()
    {
        Some(authorize(ctx, ManageGroups).await)
    } else {
        None
    };
    let users = if changes.update_users.is_some() { Some(authorize(ctx, ManageUsers).await) } else { None };

    let mut grant_changes: Vec<(GrantChange, Result<(String, Vec<_>)>)> = Vec::new();
    for input in changes.grant_access.unwrap_or_default() {
        grant_changes.push((GrantChange::Grant, input.into_requests()));
    }
    for input in changes.revoke_access.unwrap_or_default() {
        grant_changes.push((GrantChange::Revoke, input.into_requests()));
    }
    for (change, requests) in grant_changes {
        match (&grants, requests) {
            (Some(Ok(proof)), Ok((group_id, requested))) => {
                planned.push(Change::Grants { proof: proof.clone(), change, group_id, requested })
            }
            (Some(Err(refused)), _) => errors.push(refused.to_string()),
            (_, Err(invalid)) => errors.push(invalid.message),
            (None, _) => {}
        }
    }
    let memberships =
        changes.add_users_to_groups.unwrap_or_default().into_iter().map(|i| (MembershipChange::Add, i)).chain(
            changes.remove_users_from_groups.unwrap_or_default().into_iter().map(|i| (MembershipChange::Remove, i)),
        );
    for (change, input) in memberships {
        match &groups {
            Some(Ok(proof)) => {
                let (group_ids, user_ids) = input.into_ids();
                planned.push(Change::Members { proof: proof.clone(), change, group_ids, user_ids });
            }
            Some(Err(refused)) => errors.push(refused.to_string()),
            None => {}
        }
    }
    for input in changes.update_users.unwrap_or_default() {
        match &users {
            Some(Ok(proof)) => {
                let (id, changes) = input.into_changes();
                planned.push(Change::UpdateUser { proof: proof.clone(), id, changes });
            }
            Some(Err(refused)) => errors.push(refused.to_string()),
            None => {}
        }
    }
    for input in changes.delete_groups.unwrap_or_default() {
        match &groups {
            Some(Ok(proof)) => planned.push(Change::DeleteGroup { proof: proof.clone(), id: input.into_id() }),
            Some(Err(refused)) => errors.push(refused.to_string()),
            None => {}
        }
    }

    let services = services(ctx)?;
    let preview = what_if::preview(&services.db, &services.catalog, &asker.actor.organization_id, planned).await?;
    errors.extend(preview.errors);
    let capability =
        |(id, name): (i32, String)| CustomerAdministrationAccessCapability { id: ID(id.to_string()), name };
    Ok(CustomerAdministrationAccessWhatIf {
        effects: preview
            .effects
            .into_iter()
            .map(|e| CustomerAdministrationAccessEffect {
                user: CustomerAdministrationAccessEffectUser { id: ID(e.user_id.to_string()), email: e.email },
                account_id: e.account,
                gained: e.gained.into_iter().map(capability).collect(),
                lost: e.lost.into_iter().map(capability).collect(),
            })
            .collect(),
        errors: errors.into_iter().map(|message| CustomerAdministrationAccessWhatIfError { message }).collect(),
    })
}
