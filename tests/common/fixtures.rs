//! Set-up helpers that write directly through the entities, for data the API cannot create yet.
//! Every assertion still goes through the router.

#![allow(dead_code)]

use accessgraph::auth::keys::{ApiKeySecret, new_key_id};
use chrono::Utc;
use entity::enums::{
    AccountStatus, AuthenticationType, Edition, EmailVerificationState, KeyType, ProvisioningType, RoleType, Scope,
    UserType,
};
use entity::{
    access_grant, account, api_key, authentication_domain, group, group_membership, organization, role,
    role_capability, user,
};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::TestApp;

impl TestApp {
    /// What the domain layer does in every change of access (`domain::confirm`): the fixtures
    /// below write around it, so they bump every organization's access version themselves.
    pub async fn access_changed(&self) {
        organization::Entity::update_many()
            .col_expr(
                organization::Column::AccessVersion,
                sea_orm::sea_query::Expr::col(organization::Column::AccessVersion).add(1),
            )
            .exec(&self.db)
            .await
            .expect("bump access versions");
    }

    pub async fn default_domain_id(&self) -> String {
        authentication_domain::Entity::find()
            .filter(authentication_domain::Column::OrganizationId.eq(&self.organization_id))
            .one(&self.db)
            .await
            .expect("query")
            .expect("the bootstrap domain")
            .id
    }

    /// A SCIM-provisioned SAML authentication domain of the organization.
    pub async fn create_scim_domain(&self, name: &str) -> String {
        self.create_domain_in(&self.organization_id, name, AuthenticationType::Saml, ProvisioningType::Scim).await
    }

    pub async fn create_user(&self, email: &str, user_type: UserType) -> i64 {
        let mut model = new_user(self.default_domain_id().await, email, user_type);
        model.name = Set(format!("User {email}"));
        model.insert(&self.db).await.expect("insert user").id
    }

    /// `n` users `<prefix><i>@example.com` in the default domain, inserted in one statement per 500.
    pub async fn create_users(&self, prefix: &str, n: usize, user_type: UserType) {
        let domain = self.default_domain_id().await;
        let models: Vec<user::ActiveModel> = (0..n)
            .map(|i| {
                let mut model = new_user(domain.clone(), &format!("{prefix}{i}@example.com"), user_type);
                model.name = Set(format!("{prefix} {i}"));
                model
            })
            .collect();
        for chunk in models.chunks(500) {
            user::Entity::insert_many(chunk.to_vec()).exec(&self.db).await.expect("insert users");
        }
    }

    /// The ids of the users [`Self::create_users`] made with `prefix`, in the order made.
    pub async fn user_ids(&self, prefix: &str) -> Vec<i64> {
        user::Entity::find()
            .filter(user::Column::Email.like(format!("{prefix}%")))
            .order_by_asc(user::Column::Id)
            .all(&self.db)
            .await
            .expect("users")
            .into_iter()
            .map(|u| u.id)
            .collect()
    }

    /// A user key for `user_id` on the primary account; returns the plaintext.
    pub async fn create_key(&self, user_id: i64) -> String {
        self.create_key_on(user_id, self.primary_account_id).await.0
    }

    /// A user key for `user_id` on `account_id`: (plaintext, key id).
    pub async fn create_key_on(&self, user_id: i64, account_id: i32) -> (String, String) {
        let secret = ApiKeySecret::generate_user_key();
        let stored = api_key::ActiveModel {
            id: Set(new_key_id()),
            key_hash: Set(secret.hash()),
            key_prefix: Set(secret.shown_prefix().to_owned()),
            key_type: Set(KeyType::User),
            ingest_type: Set(None),
            user_id: Set(Some(user_id)),
            account_id: Set(account_id),
            name: Set("test key".into()),
            notes: Set(String::new()),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("insert key");
        (secret.expose().to_owned(), stored.id)
    }

    pub async fn group_id(&self, display_name: &str) -> String {
        group::Entity::find()
            .filter(group::Column::DisplayName.eq(display_name))
            .one(&self.db)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("group {display_name}"))
            .id
    }

    pub async fn create_group(&self, display_name: &str) -> String {
        group::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            authentication_domain_id: Set(self.default_domain_id().await),
            display_name: Set(display_name.into()),
            is_default: Set(false),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("insert group")
        .id
    }

    pub async fn add_member(&self, group_id: &str, user_id: i64) {
        group_membership::ActiveModel {
            group_id: Set(group_id.into()),
            user_id: Set(user_id),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("insert membership");
        self.access_changed().await;
    }

    pub async fn remove_member(&self, group_id: &str, user_id: i64) {
        group_membership::Entity::delete_many()
            .filter(group_membership::Column::GroupId.eq(group_id))
            .filter(group_membership::Column::UserId.eq(user_id))
            .exec(&self.db)
            .await
            .expect("delete membership");
        self.access_changed().await;
    }

    pub async fn standard_role_id(&self, name: &str) -> i32 {
        role::Entity::find()
            .filter(role::Column::Name.eq(name))
            .filter(role::Column::RoleType.eq(RoleType::Standard))
            .one(&self.db)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("standard role {name}"))
            .id
    }

    /// Grants the standard role `role` to `group_id` on `account` (or on the organization for `None`).
    pub async fn grant(&self, group_id: &str, role: &str, account: Option<i32>) {
        access_grant::ActiveModel {
            group_id: Set(group_id.into()),
            role_id: Set(self.standard_role_id(role).await),
            account_id: Set(account),
            organization_id: Set(account.is_none().then(|| self.organization_id.clone())),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .expect("insert grant");
        self.access_changed().await;
    }

    pub async fn create_account(&self, name: &str) -> i32 {
        account::ActiveModel {
            organization_id: Set(self.organization_id.clone()),
            name: Set(name.into()),
            parent_id: Set(None),
            region_code: Set("us01".into()),
            status: Set(AccountStatus::Active),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .expect("insert account")
        .id
    }

    pub async fn set_account_status(&self, account_id: i32, status: AccountStatus) {
        let mut model: account::ActiveModel =
            account::Entity::find_by_id(account_id).one(&self.db).await.expect("query").expect("account").into();
        model.status = Set(status);
        model.update(&self.db).await.expect("update account");
        self.access_changed().await;
    }

    /// An authentication domain of `organization_id` (no default groups); returns its id.
    pub async fn create_domain_in(
        &self,
        organization_id: &str,
        name: &str,
        authentication_type: AuthenticationType,
        provisioning_type: ProvisioningType,
    ) -> String {
        authentication_domain::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            organization_id: Set(organization_id.into()),
            name: Set(name.into()),
            authentication_type: Set(authentication_type),
            provisioning_type: Set(provisioning_type),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("insert domain")
        .id
    }

    /// A group in domain `domain_id`; returns its id.
    pub async fn create_group_in(&self, domain_id: &str, display_name: &str) -> String {
        group::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            authentication_domain_id: Set(domain_id.into()),
            display_name: Set(display_name.into()),
            is_default: Set(false),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("insert group")
        .id
    }

    /// A user in domain `domain_id`; returns its id.
    pub async fn create_user_in(&self, domain_id: &str, email: &str, user_type: UserType) -> i64 {
        new_user(domain_id.into(), email, user_type).insert(&self.db).await.expect("insert user").id
    }

    /// A second organization with one account, one domain, one group (granted All product admin on
    /// its account) and one member.
    pub async fn create_other_organization(&self) -> OtherOrganization {
        let id = organization::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            name: Set("Other Organization".into()),
            edition: Set(Edition::Enterprise),
            customer_id: Set("CC-0000000002".into()),
            created_at: Set(Utc::now()),
            access_version: Set(0),
        }
        .insert(&self.db)
        .await
        .expect("insert organization")
        .id;
        let account_id = account::ActiveModel {
            organization_id: Set(id.clone()),
            name: Set("Other account".into()),
            parent_id: Set(None),
            region_code: Set("eu01".into()),
            status: Set(AccountStatus::Active),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .expect("insert account")
        .id;
        let domain_id =
            self.create_domain_in(&id, "Other domain", AuthenticationType::Password, ProvisioningType::Manual).await;
        let group_id = self.create_group_in(&domain_id, "Other group").await;
        let user_id = self.create_user_in(&domain_id, "other@example.com", UserType::Full).await;
        self.add_member(&group_id, user_id).await;
        self.grant(&group_id, "all_product_admin", Some(account_id)).await;
        OtherOrganization { id, account_id, domain_id, group_id, user_id }
    }

    /// A custom role of `organization_id`; returns its id.
    pub async fn create_custom_role(&self, organization_id: &str, display_name: &str, scope: Scope) -> i32 {
        role::ActiveModel {
            name: Set(display_name.to_lowercase().replace(' ', "_")),
            display_name: Set(display_name.into()),
            scope: Set(scope),
            role_type: Set(RoleType::Custom),
            organization_id: Set(Some(organization_id.into())),
            min_user_type: Set(UserType::Basic),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .expect("insert role")
        .id
    }

    pub async fn grant_capability(&self, role_id: i32, capability_id: i32) {
        role_capability::ActiveModel { role_id: Set(role_id), capability_id: Set(capability_id) }
            .insert(&self.db)
            .await
            .expect("insert role capability");
        self.access_changed().await;
    }

    /// A simple monitor in `account_id`, written directly; returns its GUID.
    pub async fn insert_monitor(&self, account_id: i32, name: &str) -> String {
        use entity::enums::{MonitorKind, MonitorStatus};
        let id = uuid::Uuid::new_v4().to_string();
        let guid = accessgraph::domain::synthetics::guid::encode(
            account_id,
            accessgraph::domain::synthetics::guid::GuidKind::Monitor,
            &id,
        );
        entity::synthetics_monitor::ActiveModel {
            id: Set(id),
            account_id: Set(account_id),
            guid: Set(guid.clone()),
            kind: Set(MonitorKind::Simple),
            name: Set(name.into()),
            period: Set("EVERY_15_MINUTES".into()),
            status: Set(MonitorStatus::Enabled),
            uri: Set(Some("https://example.com".into())),
            script: Set(None),
            steps: Set(None),
            public_locations: Set(serde_json::json!(["AWS_US_WEST_2"])),
            private_locations: Set(serde_json::json!([])),
            runtime: Set(None),
            settings: Set(serde_json::json!({})),
            tags: Set(serde_json::json!([])),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("insert monitor");
        guid
    }

    pub async fn set_user(&self, user_id: i64, change: impl FnOnce(&mut user::ActiveModel)) {
        let mut model: user::ActiveModel =
            user::Entity::find_by_id(user_id).one(&self.db).await.expect("query").expect("user").into();
        change(&mut model);
        model.update(&self.db).await.expect("update user");
        self.access_changed().await;
    }
}

/// What [`TestApp::create_other_organization`] made.
pub struct OtherOrganization {
    pub id: String,
    pub account_id: i32,
    pub domain_id: String,
    pub group_id: String,
    pub user_id: i64,
}

/// An active user with a pending email and the UTC time zone.
fn new_user(domain_id: String, email: &str, user_type: UserType) -> user::ActiveModel {
    user::ActiveModel {
        authentication_domain_id: Set(domain_id),
        email: Set(email.into()),
        email_lower: Set(email.to_lowercase()),
        name: Set(email.into()),
        user_type: Set(user_type),
        time_zone: Set("Etc/UTC".into()),
        email_verification_state: Set(EmailVerificationState::Pending),
        pending_upgrade_type: Set(None),
        pending_upgrade_message: Set(None),
        active: Set(true),
        last_active: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
}
