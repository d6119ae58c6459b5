//! Signing in with an email and a password.
//!
//! The answer never says whether an email exists: an unknown email, a wrong password, a user
//! without a password and a deactivated user all get the same refusal, after the same slow
//! password check. Users of SAML domains sign in through their identity provider: asked for a
//! SAML domain by id, the answer says so (it names the domain, never the user). An email with
//! logins in several PASSWORD domains (seed 001, "multiple accounts found") whose password
//! matches more than one of them, with no domain chosen, gets those domains to choose from.

use entity::enums::AuthenticationType;
use entity::{authentication_domain, organization, password_credential, session, user};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::passwords::{self, Password, SecretToken};
use super::sessions::{self, Client};

/// What a sign-in asks.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub email: String,
    pub password: Password,
    /// The domain to sign in to, when the email has logins in several.
    pub authentication_domain_id: Option<String>,
}

/// One of several logins an email has, offered to choose from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainChoice {
    pub authentication_domain_id: String,
    pub authentication_domain_name: String,
    pub organization_name: String,
}

/// A new session of `user`; `ended` are the ids of the user's sessions it ended.
#[derive(Debug)]
pub struct SignedIn {
    pub user: user::Model,
    pub domain: authentication_domain::Model,
    pub token: SecretToken,
    pub session: session::Model,
    pub ended: Vec<String>,
}

/// How a sign-in ended.
#[derive(Debug)]
pub enum SignInOutcome {
    /// A new session.
    SignedIn(Box<SignedIn>),
    /// Wrong email or password (or no password, or a deactivated user): never says which.
    Refused,
    /// The domain asked for signs in with SAML.
    SamlDomain { domain_name: String },
    /// The password matches logins in several domains: choose one.
    ChooseDomain(Vec<DomainChoice>),
}

/// Checks the password against every PASSWORD-domain login of the email (in the chosen domain
/// only, when one is given), and starts a session when exactly one matches.
pub async fn sign_in(db: &DatabaseConnection, request: SignIn, client: &Client) -> Result<SignInOutcome, DbErr> {
    let chosen = request.authentication_domain_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
    if let Some(id) = chosen
        && let Some(domain) = authentication_domain::Entity::find_by_id(id).one(db).await?
        && domain.authentication_type == AuthenticationType::Saml
    {
        return Ok(SignInOutcome::SamlDomain { domain_name: domain.name });
    }
    let mut logins = user::Entity::find()
        .filter(user::Column::EmailLower.eq(request.email.trim().to_lowercase()))
        .filter(user::Column::Active.eq(true))
        .find_also_related(authentication_domain::Entity)
        .filter(authentication_domain::Column::AuthenticationType.eq(AuthenticationType::Password))
        .order_by_asc(user::Column::Id);
    if let Some(id) = chosen {
        logins = logins.filter(user::Column::AuthenticationDomainId.eq(id));
    }
    let logins: Vec<(user::Model, authentication_domain::Model)> =
        logins.all(db).await?.into_iter().filter_map(|(u, d)| d.map(|d| (u, d))).collect();
    let credentials = if logins.is_empty() {
        Vec::new()
    } else {
        password_credential::Entity::find()
            .filter(password_credential::Column::UserId.is_in(logins.iter().map(|(u, _)| u.id)))
            .all(db)
            .await?
    };
    let with_password: Vec<&(user::Model, authentication_domain::Model)> =
        logins.iter().filter(|(u, _)| credentials.iter().any(|c| c.user_id == u.id)).collect();
    let hashes: Vec<String> = with_password
        .iter()
        .filter_map(|(u, _)| credentials.iter().find(|c| c.user_id == u.id).map(|c| c.password_hash.clone()))
        .collect();
    let matched: Vec<&(user::Model, authentication_domain::Model)> =
        passwords::verify_each(request.password, hashes).await.into_iter().map(|i| with_password[i]).collect();
    match matched.as_slice() {
        [] => Ok(SignInOutcome::Refused),
        [(user, domain)] => {
            let (token, session, ended) = sessions::start(db, user.id, &domain.id, client).await?;
            Ok(SignInOutcome::SignedIn(Box::new(SignedIn {
                user: user.clone(),
                domain: domain.clone(),
                token,
                session,
                ended,
            })))
        }
        several => {
            let organizations = organization::Entity::find()
                .filter(organization::Column::Id.is_in(several.iter().map(|(_, d)| d.organization_id.clone())))
                .all(db)
                .await?;
            Ok(SignInOutcome::ChooseDomain(
                several
                    .iter()
                    .map(|(_, d)| DomainChoice {
                        authentication_domain_id: d.id.clone(),
                        authentication_domain_name: d.name.clone(),
                        organization_name: organizations
                            .iter()
                            .find(|o| o.id == d.organization_id)
                            .map(|o| o.name.clone())
                            .unwrap_or_default(),
                    })
                    .collect(),
            ))
        }
    }
}
