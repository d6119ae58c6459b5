//! The `userManagement*` mutations: users, groups and group membership.
//!
//! Each guard asks for the organization capability the change needs; the change itself is one
//! transaction in `domain/`. Unknown ids (or ids of another organization) get NerdGraph's
//! "Could not find the target or you are unauthorized." with errorClass `NOT_FOUND`.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::UserType;

use super::context::services;
use super::error::ErrorClass;
use super::guard::authorize;
use super::user_management::{UserManagementGroup, UserManagementUser, UserManagementUserType};
use crate::access::decision::{ManageGroups, ManageUsers};
use crate::domain::groups::{self, MembershipChange};
use crate::domain::users::{self, NewUser, UserChanges};

#[derive(Default)]
pub struct UserManagementMutations;

/// The user type a client asks for.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum UserManagementRequestedTierName {
    BasicUserTier,
    CoreUserTier,
    FullUserTier,
}

impl From<UserManagementRequestedTierName> for UserType {
    fn from(tier: UserManagementRequestedTierName) -> Self {
        match tier {
            UserManagementRequestedTierName::BasicUserTier => UserType::Basic,
            UserManagementRequestedTierName::CoreUserTier => UserType::Core,
            UserManagementRequestedTierName::FullUserTier => UserType::Full,
        }
    }
}

#[derive(InputObject)]
pub struct UserManagementCreateUser {
    authentication_domain_id: ID,
    email: String,
    name: String,
    user_type: Option<UserManagementRequestedTierName>,
}

#[derive(InputObject)]
pub struct UserManagementUpdateUser {
    email: Option<String>,
    id: ID,
    name: Option<String>,
    time_zone: Option<String>,
    user_type: Option<UserManagementRequestedTierName>,
}

#[derive(InputObject)]
pub struct UserManagementDeleteUser {
    id: ID,
}

#[derive(InputObject)]
pub struct UserManagementCreateGroup {
    authentication_domain_id: ID,
    display_name: String,
}

#[derive(InputObject)]
pub struct UserManagementUpdateGroup {
    display_name: String,
    id: ID,
}

#[derive(InputObject)]
pub struct UserManagementDeleteGroup {
    id: String,
}

#[derive(InputObject)]
pub struct UserManagementUsersGroupsInput {
    group_ids: Vec<ID>,
    user_ids: Vec<ID>,
}

#[derive(SimpleObject)]
pub struct UserManagementCreatedUser {
    authentication_domain_id: Option<ID>,
    email: String,
    id: ID,
    name: String,
    r#type: UserManagementUserType,
}

#[derive(SimpleObject)]
pub struct UserManagementCreateUserPayload {
    created_user: Option<UserManagementCreatedUser>,
}

#[derive(SimpleObject)]
pub struct UserManagementUpdateUserPayload {
    user: Option<UserManagementUser>,
}

#[derive(SimpleObject)]
pub struct UserManagementDeletedUser {
    id: ID,
}

#[derive(SimpleObject)]
pub struct UserManagementDeleteUserPayload {
    deleted_user: Option<UserManagementDeletedUser>,
}

#[derive(SimpleObject)]
pub struct UserManagementCreateGroupPayload {
    group: Option<UserManagementGroup>,
}

#[derive(SimpleObject)]
pub struct UserManagementUpdateGroupPayload {
    group: Option<UserManagementGroup>,
}

#[derive(SimpleObject)]
pub struct UserManagementDeleteGroupPayload {
    group: Option<UserManagementGroup>,
}

#[derive(SimpleObject)]
pub struct UserManagementAddUsersToGroupsPayload {
    groups: Option<Vec<UserManagementGroup>>,
}

#[derive(SimpleObject)]
pub struct UserManagementRemoveUsersFromGroupsPayload {
    groups: Option<Vec<UserManagementGroup>>,
}

/// A nullable options argument that the operation cannot do without.
fn required<T>(options: Option<T>, name: &str) -> Result<T> {
    options.ok_or_else(|| ErrorClass::BadUserInput.error(format!("{name} is required")))
}

fn ids(ids: Vec<ID>) -> Vec<String> {
    ids.into_iter().map(|i| i.0).collect()
}

// The inputs as `customerAdministration.accessWhatIf` hands them to the same domain operations.

impl UserManagementUsersGroupsInput {
    /// (group ids, user ids).
    pub(crate) fn into_ids(self) -> (Vec<String>, Vec<String>) {
        (ids(self.group_ids), ids(self.user_ids))
    }
}

impl UserManagementUpdateUser {
    /// The user id and the changes.
    pub(crate) fn into_changes(self) -> (String, UserChanges) {
        let changes = UserChanges {
            email: self.email,
            name: self.name,
            time_zone: self.time_zone,
            user_type: self.user_type.map(Into::into),
        };
        (self.id.0, changes)
    }
}

impl UserManagementDeleteGroup {
    pub(crate) fn into_id(self) -> String {
        self.id
    }
}

#[Object]
impl UserManagementMutations {
    /// Creates a user in a manually provisioned authentication domain (basic unless `userType` says otherwise).
    async fn user_management_create_user(
        &self,
        ctx: &Context<'_>,
        create_user_options: UserManagementCreateUser,
    ) -> Result<Option<UserManagementCreateUserPayload>> {
        let proof = authorize(ctx, ManageUsers).await?;
        let input = NewUser {
            authentication_domain_id: create_user_options.authentication_domain_id.0,
            email: create_user_options.email,
            name: create_user_options.name,
            user_type: create_user_options.user_type.map(Into::into),
        };
        let user = users::create(&services(ctx)?.db, &proof, input).await?;
        Ok(Some(UserManagementCreateUserPayload {
            created_user: Some(UserManagementCreatedUser {
                authentication_domain_id: Some(ID(user.authentication_domain_id)),
                email: user.email,
                id: ID(user.id.to_string()),
                name: user.name,
                r#type: user.user_type.into(),
            }),
        }))
    }

    /// Changes a user's email, name, time zone or user type.
    async fn user_management_update_user(
        &self,
        ctx: &Context<'_>,
        update_user_options: UserManagementUpdateUser,
    ) -> Result<Option<UserManagementUpdateUserPayload>> {
        let proof = authorize(ctx, ManageUsers).await?;
        let changes = UserChanges {
            email: update_user_options.email,
            name: update_user_options.name,
            time_zone: update_user_options.time_zone,
            user_type: update_user_options.user_type.map(Into::into),
        };
        let user = users::update(&services(ctx)?.db, &proof, &update_user_options.id, changes).await?;
        Ok(Some(UserManagementUpdateUserPayload { user: Some(UserManagementUser::new(Arc::new(user))) }))
    }

    /// Deletes a user, their group memberships and their API keys.
    async fn user_management_delete_user(
        &self,
        ctx: &Context<'_>,
        delete_user_options: UserManagementDeleteUser,
    ) -> Result<Option<UserManagementDeleteUserPayload>> {
        let proof = authorize(ctx, ManageUsers).await?;
        let user = users::delete(&services(ctx)?.db, &proof, &delete_user_options.id).await?;
        Ok(Some(UserManagementDeleteUserPayload {
            deleted_user: Some(UserManagementDeletedUser { id: ID(user.id.to_string()) }),
        }))
    }

    /// Creates a group in an authentication domain.
    async fn user_management_create_group(
        &self,
        ctx: &Context<'_>,
        create_group_options: Option<UserManagementCreateGroup>,
    ) -> Result<Option<UserManagementCreateGroupPayload>> {
        let proof = authorize(ctx, ManageGroups).await?;
        let options = required(create_group_options, "createGroupOptions")?;
        let group =
            groups::create(&services(ctx)?.db, &proof, &options.authentication_domain_id, &options.display_name)
                .await?;
        Ok(Some(UserManagementCreateGroupPayload { group: Some(UserManagementGroup(group)) }))
    }

    /// Renames a group.
    async fn user_management_update_group(
        &self,
        ctx: &Context<'_>,
        update_group_options: Option<UserManagementUpdateGroup>,
    ) -> Result<Option<UserManagementUpdateGroupPayload>> {
        let proof = authorize(ctx, ManageGroups).await?;
        let options = required(update_group_options, "updateGroupOptions")?;
        let group = groups::rename(&services(ctx)?.db, &proof, &options.id, &options.display_name).await?;
        Ok(Some(UserManagementUpdateGroupPayload { group: Some(UserManagementGroup(group)) }))
    }

    /// Deletes a group with its memberships and access grants. Default groups cannot be deleted.
    async fn user_management_delete_group(
        &self,
        ctx: &Context<'_>,
        group_options: Option<UserManagementDeleteGroup>,
    ) -> Result<Option<UserManagementDeleteGroupPayload>> {
        let proof = authorize(ctx, ManageGroups).await?;
        let options = required(group_options, "groupOptions")?;
        let group = groups::delete(&services(ctx)?.db, &proof, &options.id).await?;
        Ok(Some(UserManagementDeleteGroupPayload { group: Some(UserManagementGroup(group)) }))
    }

    /// Adds every user to every group (at most 10 groups and 50 users), all or nothing.
    async fn user_management_add_users_to_groups(
        &self,
        ctx: &Context<'_>,
        add_users_to_groups_options: Option<UserManagementUsersGroupsInput>,
    ) -> Result<Option<UserManagementAddUsersToGroupsPayload>> {
        let proof = authorize(ctx, ManageGroups).await?;
        let options = required(add_users_to_groups_options, "addUsersToGroupsOptions")?;
        let groups = groups::change_members(
            &services(ctx)?.db,
            &proof,
            MembershipChange::Add,
            &ids(options.group_ids),
            &ids(options.user_ids),
        )
        .await?;
        Ok(Some(UserManagementAddUsersToGroupsPayload {
            groups: Some(groups.into_iter().map(UserManagementGroup).collect()),
        }))
    }

    /// Removes every user from every group (at most 10 groups and 50 users), all or nothing.
    async fn user_management_remove_users_from_groups(
        &self,
        ctx: &Context<'_>,
        remove_users_from_groups_options: UserManagementUsersGroupsInput,
    ) -> Result<Option<UserManagementRemoveUsersFromGroupsPayload>> {
        let proof = authorize(ctx, ManageGroups).await?;
        let options = remove_users_from_groups_options;
        let groups = groups::change_members(
            &services(ctx)?.db,
            &proof,
            MembershipChange::Remove,
            &ids(options.group_ids),
            &ids(options.user_ids),
        )
        .await?;
        Ok(Some(UserManagementRemoveUsersFromGroupsPayload {
            groups: Some(groups.into_iter().map(UserManagementGroup).collect()),
        }))
    }
}
