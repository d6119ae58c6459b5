//! Outgoing email (password reset links) over SMTP with `lettre`, configured by flags. Without
//! SMTP configured nothing is sent, and the features that need email say so.

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How to reach the SMTP server.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    /// `Starttls` (port 587), `Tls` (implicit TLS, port 465) or `Plain` (no encryption: only for a
    /// relay on the same host or a test server).
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `AccessGraph <no-reply@example.com>`.
    pub from: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpSecurity {
    Starttls,
    Tls,
    Plain,
}

/// Sends one plain-text message.
pub async fn send(settings: &SmtpSettings, to: &str, to_name: &str, subject: &str, body: String) -> Result<(), String> {
    let from: Mailbox = settings.from.parse().map_err(|e| format!("invalid sender address: {e}"))?;
    let to: Mailbox = format!("{} <{to}>", to_name.replace(['<', '>', '"'], ""))
        .parse()
        .or_else(|_| to.parse())
        .map_err(|e| format!("invalid recipient address: {e}"))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .body(body)
        .map_err(|e| format!("cannot build the message: {e}"))?;
    let builder = match settings.security {
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host),
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host),
        SmtpSecurity::Plain => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)),
    }
    .map_err(|e| format!("invalid SMTP host: {e}"))?;
    let mut builder = builder.port(settings.port);
    if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    builder.build().send(message).await.map(|_| ()).map_err(|e| format!("SMTP delivery failed: {e}"))
}
