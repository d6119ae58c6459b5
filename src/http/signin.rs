//! Signing in and out, and passwords, over plain HTTP:
//! - `POST /login` (JSON or form: `email`, `password`, optional `authenticationDomainId`): 200
//!   with the user and a session cookie; 401 otherwise (never saying whether the email exists);
//!   409 with the domains to choose from when the password matches logins in several; 429 when
//!   the email or the client address failed too often.
//! - `POST /logout`: ends the cookie's session and clears the cookie.
//! - `GET /password`: the page that completes a setup or reset link and asks for a reset;
//!   `POST /password` (`token`, `password`) completes a link; `POST /password/reset` (`email`)
//!   sends a reset link by email, with the same answer whether the email exists or not.
//!
//! Every one of these refuses a cross-site request (`Origin` or `Sec-Fetch-Site` of another site):
//! nobody can sign a victim in or out from another site.

use std::net::IpAddr;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::limits::client_ip;
use super::{HttpState, error_response, read_body, server_error, too_many_failed_attempts};
use crate::auth::passwords::{Password, SecretToken};
use crate::auth::sessions::{self, Client};
use crate::auth::sign_in::{self, SignIn, SignInOutcome, SignedIn};
use crate::domain::passwords as password_links;
use crate::error::AppError;
use crate::graphql::error::ErrorClass;

/// The answer to a failed sign-in, whatever the reason.
pub const SIGN_IN_REFUSED: &str =
    "Wrong email or password. Users of SAML authentication domains sign in through their identity provider.";
/// The answer when resets by email are unavailable.
pub const NO_SMTP: &str = "Password reset by email is not available: this server has no SMTP server configured, so no email was sent. Ask an administrator of your organization for a password setup link.";
/// The answer to every reset request when SMTP is configured.
pub const RESET_SENT: &str = "If a user with a password has this email, a link to reset it has been sent to that address. The link works once, within an hour.";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default, alias = "authentication_domain_id")]
    authentication_domain_id: Option<String>,
}

#[derive(Deserialize)]
struct SetPasswordBody {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
struct ResetBody {
    #[serde(default)]
    email: String,
}

/// Whether the request comes from a page of another site: its `Origin` (or `Sec-Fetch-Site`)
/// names another origin than the `Host` it was sent to.
pub(crate) fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site.eq_ignore_ascii_case("cross-site")
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return false };
    let Some(origin) = origin.to_str().ok().filter(|o| *o != "null") else { return true };
    let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest).trim_end_matches('/');
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    !authority.eq_ignore_ascii_case(host)
}

fn cross_site_refused() -> Response {
    error_response(
        StatusCode::FORBIDDEN,
        ErrorClass::Forbidden,
        "Cross-site requests are refused: sign in from AccessGraph's own pages.",
    )
}

/// A JSON or form-encoded body.
async fn read_fields<T: DeserializeOwned>(request: Request, max: usize) -> Result<T, Response> {
    let essence = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let body = read_body(request.into_body(), max).await.map_err(IntoResponse::into_response)?;
    let parsed = match essence.as_str() {
        "application/json" => serde_json::from_slice(&body).map_err(|_| "The body is not the expected JSON object."),
        "application/x-www-form-urlencoded" => {
            serde_urlencoded::from_bytes(&body).map_err(|_| "The form fields could not be read.")
        }
        _ => {
            return Err(error_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorClass::BadUserInput,
                "Send JSON (Content-Type: application/json) or a form (application/x-www-form-urlencoded).",
            ));
        }
    };
    parsed.map_err(|message| error_response(StatusCode::BAD_REQUEST, ErrorClass::BadUserInput, message))
}

fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The throttle's wait for this sign-in, if the email or the address is blocked.
fn sign_in_blocked(http: &HttpState, email: &str, ip: IpAddr) -> Option<Duration> {
    let by_user = http.sign_in_by_user.blocked_for(email.to_owned());
    let by_address = http.sign_in_by_address.blocked_for(ip);
    by_user.into_iter().chain(by_address).max()
}

fn record_sign_in_failure(http: &HttpState, email: &str, ip: IpAddr) -> Option<Duration> {
    let by_user = http.sign_in_by_user.record_failure(email.to_owned());
    let by_address = http.sign_in_by_address.record_failure(ip);
    by_user.into_iter().chain(by_address).max()
}

pub(super) async fn login(State(http): State<HttpState>, request: Request) -> Response {
    if cross_site(request.headers()) {
        return cross_site_refused();
    }
    let ip = client_ip(&request, http.limits.trust_forwarded_for);
    let user_agent =
        request.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body: LoginBody = match read_fields(request, http.limits.max_body_bytes).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let email = body.email.trim().to_lowercase();
    if email.is_empty() || body.password.is_empty() {
        return error_response(StatusCode::BAD_REQUEST, ErrorClass::BadUserInput, "Send `email` and `password`.");
    }
    if email.len() > 320 || body.password.len() > 1024 {
        return error_response(StatusCode::UNAUTHORIZED, ErrorClass::Unauthenticated, SIGN_IN_REFUSED);
    }
    if let Some(wait) = sign_in_blocked(&http, &email, ip) {
        return too_many_sign_ins(wait);
    }
    let request = SignIn {
        email: email.clone(),
        password: Password::new(body.password),
        authentication_domain_id: body.authentication_domain_id,
    };
    let client = Client { address: ip, user_agent };
    let outcome = match sign_in::sign_in(&http.app.db, request, &client).await {
        Ok(outcome) => outcome,
        Err(err) => {
            tracing::error!(error = %err, "database error while signing in");
            return server_error();
        }
    };
    match outcome {
        SignInOutcome::SignedIn(signed_in) => {
            let SignedIn { user, domain, token, session, ended } = *signed_in;
            tracing::info!(user_id = user.id, session_ended = ended.len(), "signed in");
            let body = json!({
                "user": {
                    "id": user.id.to_string(),
                    "email": user.email,
                    "name": user.name,
                    "authenticationDomainId": domain.id,
                    "organizationId": domain.organization_id,
                },
                "session": { "id": session.id, "createdAt": session.created_at },
                "endedSessionIds": ended,
            });
            with_cookie(
                (StatusCode::OK, axum::Json(body)).into_response(),
                sessions::session_cookie(&token, http.app.site.secure_cookies),
            )
        }
        SignInOutcome::Refused => match record_sign_in_failure(&http, &email, ip) {
            Some(wait) => {
                tracing::warn!(client = %ip, "failed sign-ins over the limit");
                too_many_sign_ins(wait)
            }
            None => error_response(StatusCode::UNAUTHORIZED, ErrorClass::Unauthenticated, SIGN_IN_REFUSED),
        },
        SignInOutcome::SamlDomain { domain_name } => error_response(
            StatusCode::UNAUTHORIZED,
            ErrorClass::Unauthenticated,
            &format!(
                "The authentication domain '{domain_name}' signs in with SAML: sign in through your identity provider. Passwords are only for PASSWORD authentication domains."
            ),
        ),
        SignInOutcome::ChooseDomain(choices) => {
            let domains: Vec<_> = choices
                .iter()
                .map(|c| {
                    json!({
                        "id": c.authentication_domain_id,
                        "name": c.authentication_domain_name,
                        "organizationName": c.organization_name,
                    })
                })
                .collect();
            (
                StatusCode::CONFLICT,
                axum::Json(json!({
                    "errors": [{
                        "message": "Multiple accounts found: choose the authentication domain to sign in to, and send its id as `authenticationDomainId`.",
                        "extensions": { "errorClass": ErrorClass::BadUserInput.as_str(), "code": "MULTIPLE_ACCOUNTS_FOUND" }
                    }],
                    "authenticationDomains": domains,
                })),
            )
                .into_response()
        }
    }
}

fn too_many_sign_ins(wait: Duration) -> Response {
    too_many_failed_attempts(wait, "Too many failed sign-ins for this email or from this address; try again later")
}

pub(super) async fn logout(State(http): State<HttpState>, request: Request) -> Response {
    if cross_site(request.headers()) {
        return cross_site_refused();
    }
    let ended = match sessions::presented_token(request.headers()) {
        Some(token) => match sessions::end_by_token(&http.app.db, &token).await {
            Ok(ended) => ended,
            Err(err) => {
                tracing::error!(error = %err, "database error while signing out");
                return server_error();
            }
        },
        None => false,
    };
    with_cookie(
        axum::Json(json!({ "signedOut": ended })).into_response(),
        sessions::cleared_cookie(http.app.site.secure_cookies),
    )
}

fn app_error_response(err: AppError) -> Response {
    match err {
        AppError::BadInput(message) => error_response(StatusCode::BAD_REQUEST, ErrorClass::BadUserInput, &message),
        AppError::NotFound(message) => error_response(StatusCode::NOT_FOUND, ErrorClass::NotFound, &message),
        AppError::Forbidden(message) => error_response(StatusCode::FORBIDDEN, ErrorClass::Forbidden, &message),
        AppError::Database(cause) => {
            tracing::error!(error = %cause, "database error in a password request");
            server_error()
        }
        AppError::Internal(cause) => {
            tracing::error!(error = %cause, "internal error in a password request");
            server_error()
        }
    }
}

pub(super) async fn set_password(State(http): State<HttpState>, request: Request) -> Response {
    if cross_site(request.headers()) {
        return cross_site_refused();
    }
    let body: SetPasswordBody = match read_fields(request, http.limits.max_body_bytes).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    if body.token.is_empty() || body.token.len() > 100 {
        return error_response(StatusCode::BAD_REQUEST, ErrorClass::BadUserInput, password_links::INVALID_LINK);
    }
    match password_links::complete_link(
        &http.app.db,
        &SecretToken::presented(&body.token),
        Password::new(body.password),
    )
    .await
    {
        Ok(user) => axum::Json(json!({
            "passwordSet": true,
            "user": { "id": user.id.to_string(), "email": user.email },
            "message": "Your password is set: sign in with it.",
        }))
        .into_response(),
        Err(err) => app_error_response(err),
    }
}

pub(super) async fn reset_password(State(http): State<HttpState>, request: Request) -> Response {
    if cross_site(request.headers()) {
        return cross_site_refused();
    }
    let base = public_url(&http, request.headers());
    let body: ResetBody = match read_fields(request, http.limits.max_body_bytes).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Some(smtp) = http.app.site.smtp.clone() else {
        return error_response(StatusCode::SERVICE_UNAVAILABLE, ErrorClass::BadUserInput, NO_SMTP);
    };
    let email = body.email.trim().to_owned();
    if email.is_empty() || email.len() > 320 {
        return error_response(StatusCode::BAD_REQUEST, ErrorClass::BadUserInput, "Send `email`.");
    }
    if let Some(wait) = reset_throttled(&http, &email) {
        return too_many_sign_ins(wait);
    }
    let db = http.app.db.clone();
    // The links are made and sent after answering, so that the answer takes as long and says the
    // same whether the email exists or not.
    tokio::spawn(async move {
        let links = match password_links::request_reset(&db, &email).await {
            Ok(links) => links,
            Err(err) => {
                tracing::error!(error = %err, "could not make password reset links");
                return;
            }
        };
        for link in links {
            let body = format!(
                "Hello {},\n\nSomeone (hopefully you) asked to reset your AccessGraph password. Choose a new one here:\n\n{base}/password?token={}\n\nThe link works once, within an hour. If you did not ask for it, ignore this email: your password stays as it is.\n",
                link.name,
                link.token.expose()
            );
            if let Err(err) =
                crate::mail::send(&smtp, &link.email, &link.name, "Reset your AccessGraph password", body).await
            {
                tracing::error!(error = %err, "could not send a password reset email");
            }
        }
    });
    (StatusCode::ACCEPTED, axum::Json(json!({ "message": RESET_SENT }))).into_response()
}

/// Reset requests count against the email's sign-in throttle, so that a mailbox cannot be flooded.
fn reset_throttled(http: &HttpState, email: &str) -> Option<Duration> {
    let key = format!("reset:{}", email.to_lowercase());
    http.sign_in_by_user.blocked_for(key.clone()).or_else(|| http.sign_in_by_user.record_failure(key))
}

/// The address links point at: the configured public URL, or `http://` and the request's `Host`.
pub(crate) fn public_url(http: &HttpState, headers: &HeaderMap) -> String {
    if let Some(url) = &http.app.site.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

pub(super) async fn password_page() -> Response {
    let mut response = Html(PASSWORD_PAGE).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

const PASSWORD_PAGE: &str = include_str!("password.html");
