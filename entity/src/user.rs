use sea_orm::entity::prelude::*;

use crate::enums::{EmailVerificationState, UserType};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub authentication_domain_id: String,
    /// The email as given.
    pub email: String,
    /// The email in lower case: unique within an authentication domain.
    pub email_lower: String,
    pub name: String,
    pub user_type: UserType,
    pub time_zone: String,
    pub email_verification_state: EmailVerificationState,
    pub pending_upgrade_type: Option<UserType>,
    pub pending_upgrade_message: Option<String>,
    /// False when deactivated (for example by SCIM): no sign-in and no API keys, data kept.
    pub active: bool,
    pub last_active: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::authentication_domain::Entity",
        from = "Column::AuthenticationDomainId",
        to = "super::authentication_domain::Column::Id"
    )]
    AuthenticationDomain,
}

impl Related<super::authentication_domain::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AuthenticationDomain.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
