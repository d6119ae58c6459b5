//! The `accessgraph` command: parses the command line and dispatches. The work is in the library.

use std::process::ExitCode;

use accessgraph::auth::keys::ApiKeySecret;
use accessgraph::client::{Client, explain, users};
use accessgraph::config::{BootstrapArgs, Cli, Command, DatabaseArgs, LogFormat, ServeArgs, UsersCommand};
use accessgraph::domain::bootstrap::{self, BootstrapOutcome, BootstrapSpec};
use accessgraph::{AppState, db, graphql, http, serve, telemetry};
use anyhow::{Context, Result, anyhow};
use clap::Parser;
use sea_orm::DatabaseConnection;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A client command's error is its output: on stderr once, not logged again.
    let client_command = matches!(cli.command, Some(Command::Explain(_) | Command::Users(_)));
    let log_format = match &cli.command {
        Some(Command::Serve(args)) => args.log_format,
        None => cli.serve.log_format,
        _ => LogFormat::Text,
    };
    telemetry::init(log_format);

    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if !client_command {
                tracing::error!("{err:#}");
            }
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        None => serve_command(cli.serve).await,
        Some(Command::Serve(args)) => serve_command(args).await,
        Some(Command::Migrate(args)) => {
            connect_and_migrate(&args).await?;
            println!("Migrations applied.");
            Ok(())
        }
        Some(Command::Bootstrap(args)) => {
            let db = connect_and_migrate(&args.database).await?;
            match bootstrap_if_empty(&db, &args.bootstrap).await? {
                BootstrapOutcome::AlreadyBootstrapped => {
                    println!("The database is already bootstrapped; nothing was changed.");
                }
                BootstrapOutcome::Created { organization_id, account_id, .. } => {
                    println!("Bootstrapped organization {organization_id} with primary account {account_id}.");
                }
            }
            Ok(())
        }
        Some(Command::Schema) => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Some(Command::Explain(args)) => {
            let client = Client::new(&args.server.url, &args.server.api_key)?;
            let question = explain::Question { user: args.user, account: args.account, capability: args.capability };
            print!("{}", explain::explain(&client, &question).await?);
            Ok(())
        }
        Some(Command::Users(UsersCommand::Backup(args))) => {
            let client = Client::new(&args.server.url, &args.server.api_key)?;
            print!("{}", users::backup(&client, args.account).await?);
            Ok(())
        }
        Some(Command::Users(UsersCommand::Bulk(args))) => {
            let client = Client::new(&args.server.url, &args.server.api_key)?;
            let csv = read_file(&args.file)?;
            match users::bulk(&client, args.account, args.action, &csv, args.dry_run).await {
                Ok(report) => {
                    print!("{report}");
                    Ok(())
                }
                Err(users::UsersError::Refused { report }) => {
                    print!("{report}");
                    Err(anyhow!("the file was refused and nothing was changed"))
                }
                Err(other) => Err(other.into()),
            }
        }
    }
}

/// A file's text (`-`: stdin).
fn read_file(path: &std::path::Path) -> Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).context("reading stdin")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

async fn serve_command(args: ServeArgs) -> Result<()> {
    let db = connect_and_migrate(&args.database).await?;
    bootstrap_if_empty(&db, &args.bootstrap).await?;
    let state = AppState::with_site(db, args.site.site_options()).await.context("loading the capability catalog")?;
    let key_check = state.key_check.clone();
    let app = http::router_with(state, args.http_limits(), args.metrics_endpoint());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    serve(listener, app, shutdown_signal()).await.context("serving HTTP")?;
    key_check.leave().await;
    tracing::info!("AccessGraph stopped");
    Ok(())
}

async fn connect_and_migrate(args: &DatabaseArgs) -> Result<DatabaseConnection> {
    let db = db::connect(&args.database_url, args.db_max_connections)
        .await
        .with_context(|| format!("cannot connect to the database at {}", redact_url(&args.database_url)))?;
    db::migrate(&db).await.context("migrating the database")?;
    Ok(db)
}

/// Bootstraps an empty database; prints a generated key once, to stdout.
async fn bootstrap_if_empty(db: &DatabaseConnection, args: &BootstrapArgs) -> Result<BootstrapOutcome> {
    let key = args
        .bootstrap_key
        .as_deref()
        .map(ApiKeySecret::parse_user_key)
        .transpose()
        .map_err(|err| anyhow!("ACCESSGRAPH_BOOTSTRAP_KEY: {err}"))?;
    let spec = BootstrapSpec {
        organization_name: args.organization_name.clone(),
        edition: args.edition.into(),
        admin_email: args.admin_email.clone(),
        admin_name: args.admin_name.clone(),
        key,
    };
    let outcome = bootstrap::bootstrap(db, spec).await.map_err(|err| anyhow!("bootstrapping the database: {err}"))?;
    match &outcome {
        BootstrapOutcome::Created { organization_id, account_id, admin_user_id, key, key_generated } => {
            tracing::info!(
                organization_id = %organization_id,
                account_id,
                admin_user_id,
                admin_email = %args.admin_email,
                "bootstrapped an empty database"
            );
            if *key_generated {
                println!("Bootstrapped AccessGraph. The admin's user API key (shown once, keep it):");
                println!("{}", key.expose());
            }
        }
        BootstrapOutcome::AlreadyBootstrapped => {
            if args.bootstrap_key.is_some() {
                tracing::info!("database already bootstrapped; ACCESSGRAPH_BOOTSTRAP_KEY is not applied again");
            }
        }
    }
    Ok(outcome)
}

/// The URL without its password, for messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
