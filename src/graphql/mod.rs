//! The GraphQL schema in NerdGraph's shape: roots `RootQueryType` / `RootMutationType`, one module
//! per NerdGraph area, guards fed by request-scoped batched loaders, and NerdGraph's error shape.

pub mod account_management;
pub mod actor;
pub mod api_access;
pub mod authentication_domains;
pub mod authorization_management;
pub mod context;
pub mod custom_roles;
pub mod customer_administration;
pub mod error;
pub mod fast_rows;
pub mod guard;
pub mod limits;
pub mod loaders;
pub mod organization;
pub mod original_user_model;
pub mod pagination;
pub mod partial;
pub mod pipeline;
pub mod scalars;
pub mod sessions;
pub mod synthetics;
pub mod user_management;
pub mod user_management_mutations;

use async_graphql::{EmptySubscription, MergedObject, Object, Schema, SchemaBuilder, ValidationMode};

use self::actor::Actor;
pub use self::context::Services;
use self::customer_administration::CustomerAdministration;
pub use self::pipeline::{RootMutation, execute, passed_validation};

/// Deepest query accepted. NerdGraph's deepest client operations nest about ten levels.
const MAX_DEPTH: usize = 32;
/// Most fields one query may select (counting list children once).
const MAX_COMPLEXITY: usize = 5_000;

pub type AppSchema = Schema<RootQueryType, RootMutation, EmptySubscription>;

/// Every mutation, one object per NerdGraph area.
#[derive(MergedObject, Default)]
#[graphql(name = "RootMutationType")]
pub struct RootMutationType(
    user_management_mutations::UserManagementMutations,
    authorization_management::AuthorizationManagementMutations,
    custom_roles::CustomRoleMutations,
    authentication_domains::AuthenticationDomainMutations,
    account_management::AccountManagementMutations,
    organization::OrganizationMutations,
    synthetics::permissions::SyntheticsPermissionMutations,
    api_access::ApiAccessMutations,
    synthetics::private_locations::SyntheticsPrivateLocationMutations,
    synthetics::secure_credentials::SyntheticsSecureCredentialMutations,
    synthetics::monitors::SyntheticsMonitorMutations,
    sessions::SessionMutations,
    original_user_model::OriginalUserModelMutations,
    original_user_model::bulk::OriginalUserBulkMutations,
);

/// The address people reach AccessGraph at (for links), per request.
#[derive(Debug, Clone)]
pub struct PublicUrl(pub String);

pub struct RootQueryType;

#[Object(name = "RootQueryType")]
impl RootQueryType {
    /// The caller: their user, organization and accounts.
    async fn actor(&self) -> Option<Actor> {
        Some(Actor)
    }

    /// Organization-wide administration: accounts, authentication domains, users, groups, roles,
    /// grants, the permission catalog and the audit trail.
    async fn customer_administration(&self) -> Option<CustomerAdministration> {
        Some(CustomerAdministration)
    }
}

fn builder() -> SchemaBuilder<RootQueryType, RootMutation, EmptySubscription> {
    Schema::build(RootQueryType, RootMutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
}

/// The schema, serving with `services`.
pub fn build_schema(services: Services) -> AppSchema {
    build_schema_with(services, true, ValidationMode::Strict)
}

/// The schema, serving with `services`, with introspection on or off and validating each
/// request's document with `validation`: `Strict`, every rule of GraphQL's validation; `Fast`,
/// only the rules that bound what a document may cost (fragment cycles, depth, complexity), for a
/// document already found valid with the same operation and variables
/// ([`crate::http`]'s parsed documents).
pub fn build_schema_with(services: Services, introspection: bool, validation: ValidationMode) -> AppSchema {
    let builder = builder().data(services).validation_mode(validation);
    if introspection { builder.finish() } else { builder.disable_introspection().finish() }
}

/// The SDL: what `accessgraph schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    builder().finish().sdl()
}
