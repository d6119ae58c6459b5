use sea_orm::entity::prelude::*;

/// A sign-in session. Only the SHA-256 of its cookie token is stored.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// A UUID: how the session is listed and ended (never the token).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// SHA-256 of the cookie token, hex.
    pub token_hash: String,
    pub user_id: i64,
    /// The client address the session signed in from (an IPv6 client counts by its /64).
    pub client_address: String,
    pub user_agent: String,
    pub created_at: DateTimeUtc,
    /// The last request made with the session (written at most every few seconds).
    pub last_seen_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("client_address", &self.client_address)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
