//! The `customRole*` mutations: an organization's own roles over the selectable capabilities.

use crate::domain::validate::echo;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::context::services;
use super::error::ErrorClass;
use super::guard::authorize;
use crate::access::decision::ManageCustomRoles;
use crate::domain::roles;

/// Where a custom role lives: the organization (`type` `ORGANIZATION`, or omitted).
#[derive(InputObject)]
pub struct CustomRoleContainerInput {
    id: ID,
    r#type: Option<String>,
}

#[derive(SimpleObject)]
pub struct CustomRoleRoleMutationResult {
    id: Option<i32>,
}

#[derive(Default)]
pub struct CustomRoleMutations;

#[Object]
impl CustomRoleMutations {
    /// Creates a custom role of `scope` (`ACCOUNT` or `ORGANIZATION`) from `permissionIds` (ids of
    /// `customerAdministration.permissions`; hidden capabilities cannot be chosen).
    async fn custom_role_create(
        &self,
        ctx: &Context<'_>,
        container: CustomRoleContainerInput,
        name: String,
        permission_ids: Vec<i32>,
        scope: String,
    ) -> Result<Option<CustomRoleRoleMutationResult>> {
        let proof = authorize(ctx, ManageCustomRoles).await?;
        if let Some(kind) = container.r#type.as_deref().map(str::trim).filter(|t| !t.is_empty())
            && !kind.eq_ignore_ascii_case("organization")
        {
            return Err(ErrorClass::BadUserInput
                .error(format!("Container type '{}' is not supported: use ORGANIZATION", echo(kind))));
        }
        let services = services(ctx)?;
        let role =
            roles::create(&services.db, &services.catalog, &proof, &container.id, &name, &permission_ids, &scope)
                .await?;
        Ok(Some(CustomRoleRoleMutationResult { id: Some(role.id) }))
    }

    /// Renames a custom role, replaces its permissions, or both.
    async fn custom_role_update(
        &self,
        ctx: &Context<'_>,
        id: i32,
        name: Option<String>,
        permission_ids: Option<Vec<Option<i32>>>,
    ) -> Result<Option<CustomRoleRoleMutationResult>> {
        let proof = authorize(ctx, ManageCustomRoles).await?;
        let permission_ids: Option<Vec<i32>> = permission_ids.map(|ids| ids.into_iter().flatten().collect());
        let services = services(ctx)?;
        let role =
            roles::update(&services.db, &services.catalog, &proof, id, name.as_deref(), permission_ids.as_deref())
                .await?;
        Ok(Some(CustomRoleRoleMutationResult { id: Some(role.id) }))
    }

    /// Deletes a custom role that no group holds.
    async fn custom_role_delete(&self, ctx: &Context<'_>, id: i32) -> Result<Option<CustomRoleRoleMutationResult>> {
        let proof = authorize(ctx, ManageCustomRoles).await?;
        let role = roles::delete(&services(ctx)?.db, &proof, id).await?;
        Ok(Some(CustomRoleRoleMutationResult { id: Some(role.id) }))
    }
}
