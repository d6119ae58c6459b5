//! Command line and environment: one clap struct per command, `#[arg(long, env)]` on each field.
//! `accessgraph --help` (and `accessgraph serve --help`) is the configuration reference.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::SiteOptions;
use crate::db::DEFAULT_DATABASE_URL;
use crate::http::{HttpLimits, MetricsEndpoint};
use crate::mail::{SmtpSecurity, SmtpSettings};

/// AccessGraph: a NerdGraph-compatible GraphQL service for identity and access management.
#[derive(Debug, Parser)]
#[command(name = "accessgraph", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options of `serve`, the command run when none is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, bootstrap it if it is empty, and serve the API (the default).
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate(DatabaseArgs),
    /// Create the first organization, account, admin user and API key, if the database is empty.
    Bootstrap(BootstrapCommandArgs),
    /// Print the GraphQL schema (SDL); `schema.graphql` is this output.
    Schema,
    /// Ask a running server why a user has, or lacks, a capability, and print its answer: the
    /// summary, the grants that give it and the rules that take it away (a client of the
    /// server's `customerAdministration.accessExplanation`; exit code 0 whenever an answer is
    /// printed, allowed or not).
    Explain(ExplainArgs),
    /// The original user model's users of an account, through a running server: the backup CSV,
    /// and bulk CSV user actions.
    #[command(subcommand)]
    Users(UsersCommand),
}

/// `accessgraph users ...`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Print the account's backup CSV (`originalUserModel.usersCsv`) to stdout.
    Backup(UsersBackupArgs),
    /// Apply a CSV file of one action to the account's users (`originalUserModelBulkUserAction`):
    /// all rows or none. Prints the per-row report; exits non-zero when the file is refused.
    Bulk(UsersBulkArgs),
}

#[derive(Debug, Clone, Args)]
pub struct UsersBackupArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    /// The account.
    #[arg(long, value_name = "ID")]
    pub account: i32,
}

#[derive(Debug, Clone, Args)]
pub struct UsersBulkArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    /// The account.
    #[arg(long, value_name = "ID")]
    pub account: i32,

    /// What the file does to its users.
    #[arg(long, value_enum)]
    pub action: crate::client::users::Action,

    /// Only report what the file would do; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// The CSV file (`-` for stdin).
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,
}

/// How client commands reach a running server.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// The running server: `http://HOST:PORT` (its `/graphql` is called) or its full GraphQL
    /// endpoint. Plain http only: this client speaks no TLS, so run it on the server's host or
    /// network, or through a TLS-terminating tunnel.
    #[arg(long, env = "ACCESSGRAPH_URL", default_value = "http://127.0.0.1:4000")]
    pub url: String,

    /// A user API key (`NRAK-...`): the answers show what its user may read.
    #[arg(long, env = "ACCESSGRAPH_API_KEY", hide_env_values = true)]
    pub api_key: String,
}

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub server: ServerArgs,

    /// The user: an email (looked up in every authentication domain of the organization) or a
    /// user id.
    #[arg(long, value_name = "EMAIL_OR_ID")]
    pub user: String,

    /// The account; without it, the question is about an organization capability.
    #[arg(long, value_name = "ID")]
    pub account: Option<i32>,

    /// The capability: its name (e.g. "Modify dashboards", any case) or its id (e.g. 1702), as
    /// `customerAdministration.permissions` lists them.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub capability: String,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded, the default) or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,

    /// Most connections in the database pool.
    #[arg(long, env = "ACCESSGRAPH_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ACCESSGRAPH_LISTEN", default_value = "127.0.0.1:4000")]
    pub listen: SocketAddr,

    /// Seconds a request may take before it is answered with a timeout.
    #[arg(long, env = "ACCESSGRAPH_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Log format.
    #[arg(long, env = "ACCESSGRAPH_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Serve Prometheus metrics at `GET /metrics` on the same port, without authentication
    /// (`--metrics false` turns it off).
    #[arg(long, env = "ACCESSGRAPH_METRICS", default_value_t = true, action = clap::ArgAction::Set)]
    pub metrics: bool,

    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(flatten)]
    pub bootstrap: BootstrapArgs,

    #[command(flatten)]
    pub site: Box<SiteArgs>,

    // Last: its help heading also applies to the flags after it.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Sign-in, password emails and the playground.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Sign-in and playground")]
pub struct SiteArgs {
    /// The address people reach AccessGraph at (e.g. `https://accessgraph.example.com`), for the
    /// links of password emails and setup invitations. Default: each request's `Host`, over http.
    /// An `https://` address also makes session cookies `Secure`.
    #[arg(long, env = "ACCESSGRAPH_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Mark session cookies `Secure` (sent over HTTPS only) even without an `https://` public URL,
    /// e.g. behind a TLS-terminating proxy.
    #[arg(long, env = "ACCESSGRAPH_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Turn off schema introspection (`__schema`, `__type`); the playground then says so and has
    /// no documentation explorer.
    #[arg(long, env = "ACCESSGRAPH_DISABLE_INTROSPECTION")]
    pub disable_introspection: bool,

    /// Origins allowed to call AccessGraph from browser pages of other sites (CORS, comma
    /// separated, without cookies). Default: none, and no CORS headers.
    #[arg(long, env = "ACCESSGRAPH_CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,

    /// SMTP server for password reset emails. Without it, resets by email are unavailable and
    /// `POST /password/reset` says so.
    #[arg(long, env = "ACCESSGRAPH_SMTP_HOST")]
    pub smtp_host: Option<String>,

    /// SMTP port.
    #[arg(long, env = "ACCESSGRAPH_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,

    /// SMTP encryption: `starttls` (port 587), `tls` (port 465), or `plain` (a relay on this host only).
    #[arg(long, env = "ACCESSGRAPH_SMTP_SECURITY", value_enum, default_value_t = SmtpSecurity::Starttls)]
    pub smtp_security: SmtpSecurity,

    /// SMTP user name.
    #[arg(long, env = "ACCESSGRAPH_SMTP_USERNAME")]
    pub smtp_username: Option<String>,

    /// SMTP password.
    #[arg(long, env = "ACCESSGRAPH_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,

    /// The sender of password emails.
    #[arg(long, env = "ACCESSGRAPH_SMTP_FROM", default_value = "AccessGraph <no-reply@localhost>")]
    pub smtp_from: String,
}

impl SiteArgs {
    /// The options the server runs with.
    pub fn site_options(&self) -> SiteOptions {
        let public_url = self.public_url.as_ref().map(|u| u.trim().trim_end_matches('/').to_owned());
        SiteOptions {
            secure_cookies: self.secure_cookies || public_url.as_deref().is_some_and(|u| u.starts_with("https://")),
            public_url,
            introspection: !self.disable_introspection,
            smtp: self.smtp_host.as_ref().map(|host| SmtpSettings {
                host: host.clone(),
                port: self.smtp_port,
                security: self.smtp_security,
                username: self.smtp_username.clone(),
                password: self.smtp_password.clone(),
                from: self.smtp_from.clone(),
            }),
            cors_allowed_origins: self.cors_allowed_origins.clone(),
        }
    }
}

impl ServeArgs {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// Whether `GET /metrics` is served.
    pub fn metrics_endpoint(&self) -> MetricsEndpoint {
        if self.metrics { MetricsEndpoint::On } else { MetricsEndpoint::Off }
    }

    /// The limits the HTTP layer enforces.
    pub fn http_limits(&self) -> HttpLimits {
        let limits = &self.limits;
        HttpLimits {
            request_timeout: self.request_timeout(),
            max_body_bytes: limits.max_body_bytes,
            max_query_bytes: limits.max_query_bytes,
            max_fields: limits.max_fields,
            max_concurrent_requests_per_user: limits.max_concurrent_requests_per_user,
            failed_auth_burst: limits.failed_auth_burst,
            failed_auth_refill: Duration::from_secs(60) / limits.failed_auth_per_minute,
            trust_forwarded_for: limits.trust_forwarded_for,
            ..HttpLimits::default()
        }
    }
}

/// What one request may ask for, and how failed key attempts are throttled.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// Largest request body in bytes; larger bodies are answered 413 before they are read.
    #[arg(long, env = "ACCESSGRAPH_MAX_BODY_BYTES", default_value_t = 8 * 1024 * 1024, value_parser = at_least_one)]
    pub max_body_bytes: usize,

    /// Longest GraphQL document (the `query` string) in bytes.
    #[arg(long, env = "ACCESSGRAPH_MAX_QUERY_BYTES", default_value_t = 256 * 1024, value_parser = at_least_one)]
    pub max_query_bytes: usize,

    /// Most fields one operation may select, counting aliases, `__typename` and each fragment
    /// spread's fields.
    #[arg(long, env = "ACCESSGRAPH_MAX_FIELDS", default_value_t = 1_000, value_parser = at_least_one)]
    pub max_fields: usize,

    /// Most requests of one user in flight at once; more are answered 429 TOO_MANY_REQUESTS.
    #[arg(long, env = "ACCESSGRAPH_MAX_CONCURRENT_REQUESTS_PER_USER", default_value_t = 25,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_requests_per_user: u32,

    /// Failed key attempts one client address may make in a burst before it is throttled.
    #[arg(long, env = "ACCESSGRAPH_FAILED_AUTH_BURST", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub failed_auth_burst: u32,

    /// Failed key attempts per minute a throttled address earns back; until then its requests
    /// are answered 429 without their key being checked.
    #[arg(long, env = "ACCESSGRAPH_FAILED_AUTH_PER_MINUTE", default_value_t = 120,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub failed_auth_per_minute: u32,

    /// Take the client address from the last `X-Forwarded-For` entry: only behind a proxy that
    /// sets it.
    #[arg(long, env = "ACCESSGRAPH_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Clone, Args)]
pub struct BootstrapCommandArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(flatten)]
    pub bootstrap: BootstrapArgs,
}

/// What the first start creates in an empty database.
#[derive(Debug, Clone, Args)]
pub struct BootstrapArgs {
    /// The organization's edition.
    #[arg(long, env = "ACCESSGRAPH_EDITION", value_enum, default_value_t = EditionArg::Enterprise)]
    pub edition: EditionArg,

    /// The organization's name.
    #[arg(long, env = "ACCESSGRAPH_ORGANIZATION_NAME", default_value = "My Organization")]
    pub organization_name: String,

    /// The first admin user's email.
    #[arg(long, env = "ACCESSGRAPH_ADMIN_EMAIL", default_value = "admin@example.com")]
    pub admin_email: String,

    /// The first admin user's name.
    #[arg(long, env = "ACCESSGRAPH_ADMIN_NAME", default_value = "Admin")]
    pub admin_name: String,

    /// The admin's user API key (`NRAK-` and 27 letters, digits or `_`). Without it a random key is
    /// made and printed once.
    #[arg(long, env = "ACCESSGRAPH_BOOTSTRAP_KEY", hide_env_values = true)]
    pub bootstrap_key: Option<String>,
}

/// A count or size of at least 1.
fn at_least_one(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(err) => Err(err.to_string()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EditionArg {
    Standard,
    Pro,
    Enterprise,
}

impl From<EditionArg> for entity::enums::Edition {
    fn from(value: EditionArg) -> Self {
        match value {
            EditionArg::Standard => Self::Standard,
            EditionArg::Pro => Self::Pro,
            EditionArg::Enterprise => Self::Enterprise,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_subcommand_means_serve_with_defaults() {
        let cli = Cli::try_parse_from(["accessgraph", "--listen", "127.0.0.1:9999"]).expect("parses");
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.listen.port(), 9999);
        assert_eq!(cli.serve.bootstrap.edition, EditionArg::Enterprise);
        assert_eq!(cli.serve.metrics_endpoint(), MetricsEndpoint::On);
        let cli = Cli::try_parse_from(["accessgraph", "--metrics", "false"]).expect("parses");
        assert_eq!(cli.serve.metrics_endpoint(), MetricsEndpoint::Off);
    }

    #[test]
    fn site_flags() {
        let cli = Cli::try_parse_from(["accessgraph"]).expect("parses");
        let site = cli.serve.site.site_options();
        assert!(
            site.introspection && site.smtp.is_none() && !site.secure_cookies && site.cors_allowed_origins.is_empty()
        );
        let cli = Cli::try_parse_from([
            "accessgraph",
            "--disable-introspection",
            "--public-url",
            "https://ag.example.com/",
            "--smtp-host",
            "mail.example.com",
            "--cors-allowed-origins",
            "https://a.example.com,https://b.example.com",
        ])
        .expect("parses");
        let site = cli.serve.site.site_options();
        assert!(!site.introspection && site.secure_cookies);
        assert_eq!(site.public_url.as_deref(), Some("https://ag.example.com"));
        assert_eq!(site.smtp.as_ref().map(|s| (s.host.as_str(), s.port)), Some(("mail.example.com", 587)));
        assert_eq!(site.cors_allowed_origins.len(), 2);
    }

    #[test]
    fn limit_flags_default_to_http_limits_default() {
        let cli = Cli::try_parse_from(["accessgraph"]).expect("parses");
        assert_eq!(cli.serve.http_limits(), HttpLimits::default());
        let cli = Cli::try_parse_from([
            "accessgraph",
            "--max-concurrent-requests-per-user",
            "3",
            "--failed-auth-per-minute",
            "6",
        ])
        .expect("parses");
        assert_eq!(cli.serve.http_limits().max_concurrent_requests_per_user, 3);
        assert_eq!(cli.serve.http_limits().failed_auth_refill, Duration::from_secs(10));
        assert!(Cli::try_parse_from(["accessgraph", "--max-concurrent-requests-per-user", "0"]).is_err());
    }

    #[test]
    fn subcommands_parse() {
        let cli = Cli::try_parse_from(["accessgraph", "bootstrap", "--edition", "standard"]).expect("parses");
        assert!(matches!(cli.command, Some(Command::Bootstrap(ref b)) if b.bootstrap.edition == EditionArg::Standard));
        assert!(matches!(
            Cli::try_parse_from(["accessgraph", "schema"]).expect("parses").command,
            Some(Command::Schema)
        ));
        let cli = Cli::try_parse_from([
            "accessgraph",
            "explain",
            "--url",
            "http://127.0.0.1:4001",
            "--api-key",
            "NRAK-X",
            "--user",
            "ada@example.com",
            "--account",
            "1",
            "--capability",
            "Modify dashboards",
        ])
        .expect("parses");
        assert!(matches!(cli.command, Some(Command::Explain(ref e))
            if e.server.url == "http://127.0.0.1:4001" && e.account == Some(1) && e.capability == "Modify dashboards"));
        assert!(Cli::try_parse_from(["accessgraph", "explain", "--api-key", "K", "--user", "a@b.c"]).is_err());
    }

    #[test]
    fn users_commands_take_an_account_an_action_and_a_file() {
        let cli = Cli::try_parse_from([
            "accessgraph",
            "users",
            "bulk",
            "--api-key",
            "K",
            "--account",
            "7",
            "--action",
            "delete",
            "--dry-run",
            "f.csv",
        ])
        .expect("parses");
        assert!(matches!(cli.command, Some(Command::Users(UsersCommand::Bulk(ref b)))
            if b.account == 7 && b.action == crate::client::users::Action::Delete && b.dry_run
                && b.file == std::path::Path::new("f.csv")));
        let cli = Cli::try_parse_from(["accessgraph", "users", "backup", "--api-key", "K", "--account", "7"])
            .expect("parses");
        assert!(matches!(cli.command, Some(Command::Users(UsersCommand::Backup(ref b))) if b.account == 7));
        for bad in [
            &["accessgraph", "users", "bulk", "--api-key", "K", "--account", "7", "--action", "merge", "f.csv"][..],
            &["accessgraph", "users", "bulk", "--api-key", "K", "--account", "7", "f.csv"],
            &["accessgraph", "users", "backup", "--api-key", "K"],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
    }
}
