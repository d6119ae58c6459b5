//! Sign-in sessions and passwords in GraphQL: the viewer's own sessions (`actor.sessions`,
//! `userManagementEndSessions`), their own password (`userManagementUpdateOwnPassword`), password
//! setup invitations (`userManagementCreatePasswordSetupLink`), and the session settings
//! (`authenticationDomainUpdateSessionSettings`, `accountManagementUpdateSessionSettings`).
//! None of these is in NerdGraph; they follow its naming.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::PublicUrl;
use super::context::{caller, services, viewer};
use super::error::ErrorClass;
use super::guard::authorize;
use super::scalars::EpochSeconds;
use crate::access::decision::{Action, ManageAccounts, ManageAuthenticationDomains, ManageUsers};
use crate::auth::Credential;
use crate::auth::passwords::Password;
use crate::auth::sessions;
use crate::domain::{passwords, session_settings};
use crate::error::AppError;

/// One of the viewer's sign-in sessions.
#[derive(SimpleObject)]
pub struct UserSession {
    /// Ends it with `userManagementEndSessions`.
    id: ID,
    /// The client address it signed in from (an IPv6 client as its /64 network).
    client_address: String,
    user_agent: String,
    created_at: EpochSeconds,
    /// Its last request (to within 30 seconds).
    last_active_at: EpochSeconds,
    /// Whether this request comes with it.
    current: bool,
}

pub async fn own_sessions(ctx: &Context<'_>) -> Result<Vec<UserSession>> {
    authorize(ctx, Action::SignedIn).await?;
    let viewer = viewer(ctx)?;
    let current = match &viewer.credential {
        Credential::Session { session_id } => Some(session_id.as_str()),
        Credential::ApiKey { .. } => None,
    };
    let found = sessions::of_user(&services(ctx)?.db, viewer.user_id).await.map_err(AppError::from)?;
    Ok(found
        .into_iter()
        .map(|s| UserSession {
            current: current == Some(s.id.as_str()),
            id: ID(s.id),
            client_address: s.client_address,
            user_agent: s.user_agent,
            created_at: s.created_at.into(),
            last_active_at: s.last_seen_at.into(),
        })
        .collect())
}

/// An error in a password mutation's payload.
#[derive(SimpleObject)]
pub struct UserManagementPasswordError {
    message: String,
}

#[derive(SimpleObject)]
pub struct UserManagementCreatePasswordSetupLinkPayload {
    /// The one-time link to send to the user (it expires in 3 days); null when refused.
    link: Option<String>,
    errors: Vec<UserManagementPasswordError>,
}

#[derive(SimpleObject)]
pub struct UserManagementUpdateOwnPasswordPayload {
    /// Whether the password was changed (the viewer's other sessions were ended).
    updated: bool,
    errors: Vec<UserManagementPasswordError>,
}

#[derive(SimpleObject)]
pub struct UserManagementEndSessionsPayload {
    /// The sessions ended (ids of other users' sessions are ignored).
    ended_session_ids: Vec<ID>,
}

/// An authentication domain's session settings.
#[derive(SimpleObject)]
pub struct AuthenticationDomainSessionSettings {
    authentication_domain_id: ID,
    /// A session unused for this long ends (default 60).
    idle_timeout_minutes: i32,
}

#[derive(SimpleObject)]
pub struct AuthenticationDomainUpdateSessionSettingsPayload {
    session_settings: AuthenticationDomainSessionSettings,
}

/// An account's session settings.
#[derive(SimpleObject)]
pub struct AccountManagementSessionSettings {
    account_id: i32,
    /// The sessions of users who are Restricted on this account never time out (kiosk mode).
    restricted_users_never_time_out: bool,
}

#[derive(SimpleObject)]
pub struct AccountManagementUpdateSessionSettingsPayload {
    session_settings: AccountManagementSessionSettings,
}

fn payload_errors(err: AppError) -> Result<Vec<UserManagementPasswordError>> {
    match err {
        AppError::BadInput(message) | AppError::Forbidden(message) | AppError::NotFound(message) => {
            Ok(vec![UserManagementPasswordError { message }])
        }
        internal => Err(internal.into()),
    }
}

#[derive(Default)]
pub struct SessionMutations;

#[Object]
impl SessionMutations {
    /// A one-time, expiring link inviting a user who has never had a password to choose one.
    /// Needs the right to manage users, and to act on that user (delegation never escalates).
    /// Nobody can set or reset another user's password: for a user who has one, it is refused.
    async fn user_management_create_password_setup_link(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
    ) -> Result<UserManagementCreatePasswordSetupLinkPayload> {
        let result = match authorize(ctx, ManageUsers).await {
            Ok(proof) => passwords::create_setup_link(&services(ctx)?.db, &proof, &user_id).await,
            Err(refused) => Err(refused),
        };
        match result {
            Ok(token) => {
                let base = ctx.data::<PublicUrl>().map(|u| u.0.clone()).unwrap_or_default();
                Ok(UserManagementCreatePasswordSetupLinkPayload {
                    link: Some(format!("{base}/password?token={}", token.expose())),
                    errors: Vec::new(),
                })
            }
            Err(err) => Ok(UserManagementCreatePasswordSetupLinkPayload { link: None, errors: payload_errors(err)? }),
        }
    }

    /// Changes the viewer's own password; the current one is required. Ends their other sessions.
    async fn user_management_update_own_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> Result<UserManagementUpdateOwnPasswordPayload> {
        authorize(ctx, Action::SignedIn).await?;
        let viewer = viewer(ctx)?;
        let keep = match &viewer.credential {
            Credential::Session { session_id } => Some(session_id.as_str()),
            Credential::ApiKey { .. } => None,
        };
        let result = passwords::change_own(
            &services(ctx)?.db,
            &caller(ctx)?,
            Password::new(current_password),
            Password::new(new_password),
            keep,
        )
        .await;
        match result {
            Ok(()) => Ok(UserManagementUpdateOwnPasswordPayload { updated: true, errors: Vec::new() }),
            Err(err) => Ok(UserManagementUpdateOwnPasswordPayload { updated: false, errors: payload_errors(err)? }),
        }
    }

    /// Ends some of the viewer's own sessions (at most 10 ids).
    async fn user_management_end_sessions(
        &self,
        ctx: &Context<'_>,
        session_ids: Vec<ID>,
    ) -> Result<UserManagementEndSessionsPayload> {
        authorize(ctx, Action::SignedIn).await?;
        if session_ids.len() > 10 {
            return Err(ErrorClass::BadUserInput.error("sessionIds takes at most 10 ids"));
        }
        let ids: Vec<String> = session_ids.into_iter().map(|id| id.0).collect();
        let ended = sessions::end_own(&services(ctx)?.db, viewer(ctx)?.user_id, &ids).await.map_err(AppError::from)?;
        Ok(UserManagementEndSessionsPayload { ended_session_ids: ended.into_iter().map(ID).collect() })
    }

    /// Sets an authentication domain's idle timeout (5 to 43,200 minutes): its users' sessions
    /// unused for that long end. Needs the right to manage authentication domains.
    async fn authentication_domain_update_session_settings(
        &self,
        ctx: &Context<'_>,
        authentication_domain_id: ID,
        idle_timeout_minutes: i32,
    ) -> Result<AuthenticationDomainUpdateSessionSettingsPayload> {
        let proof = authorize(ctx, ManageAuthenticationDomains).await?;
        let settings = session_settings::set_idle_timeout(
            &services(ctx)?.db,
            &proof,
            &authentication_domain_id,
            idle_timeout_minutes,
        )
        .await?;
        Ok(AuthenticationDomainUpdateSessionSettingsPayload {
            session_settings: AuthenticationDomainSessionSettings {
                authentication_domain_id: ID(settings.authentication_domain_id),
                idle_timeout_minutes: settings.idle_timeout_minutes,
            },
        })
    }

    /// Sets whether the sessions of users who are Restricted on an account never time out (kiosk
    /// mode, for demos). Needs the right to manage accounts.
    async fn account_management_update_session_settings(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        restricted_users_never_time_out: bool,
    ) -> Result<AccountManagementUpdateSessionSettingsPayload> {
        let proof = authorize(ctx, ManageAccounts).await?;
        let settings = session_settings::set_restricted_users_never_time_out(
            &services(ctx)?.db,
            &proof,
            account_id,
            restricted_users_never_time_out,
        )
        .await?;
        Ok(AccountManagementUpdateSessionSettingsPayload {
            session_settings: AccountManagementSessionSettings {
                account_id: settings.account_id,
                restricted_users_never_time_out: settings.restricted_users_never_time_out,
            },
        })
    }
}
