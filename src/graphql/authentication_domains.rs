//! `authenticationDomainCreate` (AccessGraph's, in NerdGraph's style) and NerdGraph's
//! `authenticationDomainDelete`.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use entity::enums::{AuthenticationType, ProvisioningType};

use super::context::services;
use super::customer_administration::organization::{
    OrganizationAuthenticationTypeEnum, OrganizationProvisioningTypeEnum,
};
use super::error::ErrorClass;
use super::guard::authorize;
use crate::access::decision::ManageAuthenticationDomains;
use crate::domain::{authentication_domains, scim};

#[derive(SimpleObject)]
pub struct AuthenticationDomainType {
    id: ID,
}

/// A new SCIM bearer token of an authentication domain. Not in NerdGraph.
#[derive(SimpleObject)]
pub struct AuthenticationDomainScimToken {
    /// The authentication domain the token provisions.
    authentication_domain_id: ID,
    /// The token, shown only now: only its hash is stored. Send it as `Authorization: Bearer`
    /// to `/scim/v2/`.
    token: String,
}

#[derive(Default)]
pub struct AuthenticationDomainMutations;

fn authentication_type(value: OrganizationAuthenticationTypeEnum) -> Result<AuthenticationType> {
    match value {
        OrganizationAuthenticationTypeEnum::Password => Ok(AuthenticationType::Password),
        OrganizationAuthenticationTypeEnum::SamlSso => Ok(AuthenticationType::Saml),
        other => Err(ErrorClass::BadUserInput.error(format!(
            "Authentication type {} is not supported: use PASSWORD or SAML_SSO",
            async_graphql::Value::from(other)
        ))),
    }
}

fn provisioning_type(value: OrganizationProvisioningTypeEnum) -> Result<ProvisioningType> {
    match value {
        OrganizationProvisioningTypeEnum::Manual => Ok(ProvisioningType::Manual),
        OrganizationProvisioningTypeEnum::Scim => Ok(ProvisioningType::Scim),
        OrganizationProvisioningTypeEnum::Disabled => {
            Err(ErrorClass::BadUserInput.error("Provisioning type DISABLED is not supported: use MANUAL or SCIM"))
        }
    }
}

#[Object]
impl AuthenticationDomainMutations {
    /// Creates an authentication domain with its default User and Admin groups (granted on the
    /// primary account). SCIM provisioning needs `SAML_SSO`. Not in NerdGraph.
    async fn authentication_domain_create(
        &self,
        ctx: &Context<'_>,
        name: String,
        authentication_type: OrganizationAuthenticationTypeEnum,
        provisioning_type: OrganizationProvisioningTypeEnum,
    ) -> Result<Option<AuthenticationDomainType>> {
        let proof = authorize(ctx, ManageAuthenticationDomains).await?;
        let (authentication, provisioning) =
            (self::authentication_type(authentication_type)?, self::provisioning_type(provisioning_type)?);
        let domain =
            authentication_domains::create(&services(ctx)?.db, &proof, &name, authentication, provisioning).await?;
        Ok(Some(AuthenticationDomainType { id: ID(domain.id) }))
    }

    /// Generates the SCIM bearer token of an authentication domain set for SCIM provisioning
    /// (needs Manage authentication domains). The token is shown once; generating again rotates
    /// it and the previous token stops working at once. Not in NerdGraph.
    async fn authentication_domain_generate_scim_token(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<AuthenticationDomainScimToken>> {
        let proof = authorize(ctx, ManageAuthenticationDomains).await?;
        let (token, secret) = scim::generate_token(&services(ctx)?.db, &proof, &id).await?;
        Ok(Some(AuthenticationDomainScimToken {
            authentication_domain_id: ID(token.authentication_domain_id),
            token: secret,
        }))
    }

    /// Deletes an authentication domain that has no users, with its groups and their grants.
    async fn authentication_domain_delete(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<AuthenticationDomainType>> {
        let proof = authorize(ctx, ManageAuthenticationDomains).await?;
        let domain = authentication_domains::delete(&services(ctx)?.db, &proof, &id).await?;
        Ok(Some(AuthenticationDomainType { id: ID(domain.id) }))
    }
}
