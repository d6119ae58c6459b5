//! Request-scoped DataLoaders. They are made fresh for every request (never shared between
//! requests, so a revoked grant is seen by the very next request), batch every key asked for in one
//! request into one statement, and return an empty answer for keys with no rows.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{account, organization, user};
use sea_orm::{DatabaseConnection, DbErr};

use crate::access::{Catalog, EffectiveAccess};
use crate::domain::{access_facts, directory};

/// Every loader of one request.
pub struct Loaders {
    pub access: DataLoader<AccessLoader>,
    pub users: DataLoader<UserLoader>,
    pub accounts: DataLoader<AccountLoader>,
    pub organizations: DataLoader<OrganizationLoader>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection, catalog: &Arc<Catalog>) -> Self {
        Loaders {
            access: DataLoader::new(AccessLoader { db: db.clone(), catalog: catalog.clone() }, tokio::spawn),
            users: DataLoader::new(UserLoader(db.clone()), tokio::spawn),
            accounts: DataLoader::new(AccountLoader(db.clone()), tokio::spawn),
            organizations: DataLoader::new(OrganizationLoader(db.clone()), tokio::spawn),
        }
    }
}

/// A user's effective capabilities, keyed by user id.
pub struct AccessLoader {
    db: DatabaseConnection,
    catalog: Arc<Catalog>,
}

impl Loader<i64> for AccessLoader {
    type Value = Arc<EffectiveAccess>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let found = access_facts::effective_access(&self.db, &self.catalog, keys).await?;
        Ok(found.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

pub struct UserLoader(DatabaseConnection);

impl Loader<i64> for UserLoader {
    type Value = Arc<user::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let found = directory::users_by_id(&self.0, keys).await?;
        Ok(found.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

pub struct AccountLoader(DatabaseConnection);

impl Loader<i32> for AccountLoader {
    type Value = Arc<account::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let found = directory::accounts_by_id(&self.0, keys).await?;
        Ok(found.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

pub struct OrganizationLoader(DatabaseConnection);

impl Loader<String> for OrganizationLoader {
    type Value = Arc<organization::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let found = directory::organizations_by_id(&self.0, keys).await?;
        Ok(found.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}
