//! `accessgraph users backup` and `accessgraph users bulk`: the original user model's backup CSV
//! (`originalUserModel.usersCsv`) and bulk CSV user actions (`originalUserModelBulkUserAction`)
//! of one account, through a running server.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Client, ClientError};

const BACKUP: &str = "query($a: Int!) { actor { account(id: $a) { originalUserModel { usersCsv } } } }";
const BULK: &str = "mutation($a: Int!, $action: OriginalUserModelBulkUserActionType!, $csv: String!, $dry: Boolean) { originalUserModelBulkUserAction(accountId: $a, action: $action, csv: $csv, dryRun: $dry) { applied rows { line email status message } errors { message type } } }";

/// Why a command gave no answer, or the server refused the file.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The answer lacks what it should hold.
    #[error("the server's answer is not the expected one: {0}")]
    Unexpected(String),
    /// The file was refused (nothing was changed); the report says why, row by row.
    #[error("the file was refused and nothing was changed")]
    Refused { report: String },
}

/// The account's backup CSV.
pub async fn backup(client: &Client, account: i32) -> Result<String, UsersError> {
    let data = client.graphql(BACKUP, json!({ "a": account })).await?;
    data["actor"]["account"]["originalUserModel"]["usersCsv"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| UsersError::Unexpected(data.to_string()))
}

/// The action of a file, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Action {
    Add,
    Update,
    Delete,
}

impl Action {
    fn graphql(self) -> &'static str {
        match self {
            Action::Add => "ADD",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
        }
    }
}

/// Sends a file; the per-row report when it applied (or, with `dry_run`, would apply), or
/// [`UsersError::Refused`] with the report when it was refused.
pub async fn bulk(
    client: &Client,
    account: i32,
    action: Action,
    csv: &str,
    dry_run: bool,
) -> Result<String, UsersError> {
    let variables = json!({ "a": account, "action": action.graphql(), "csv": csv, "dry": dry_run });
    let data = client.graphql(BULK, variables).await?;
    let payload = &data["originalUserModelBulkUserAction"];
    let applied = payload["applied"].as_bool().ok_or_else(|| UsersError::Unexpected(data.to_string()))?;
    let errors = payload["errors"].as_array().cloned().unwrap_or_default();
    let report = report(payload, applied, dry_run);
    if errors.is_empty() { Ok(report) } else { Err(UsersError::Refused { report }) }
}

/// The report: one line per row (`line N  email  STATUS  message`), then the errors and a summary.
fn report(payload: &Value, applied: bool, dry_run: bool) -> String {
    let mut out = String::new();
    let rows = payload["rows"].as_array().cloned().unwrap_or_default();
    for row in &rows {
        let _ = write!(
            out,
            "line {}\t{}\t{}",
            row["line"],
            row["email"].as_str().unwrap_or_default(),
            row["status"].as_str().unwrap_or_default()
        );
        if let Some(message) = row["message"].as_str() {
            let _ = write!(out, "\t{message}");
        }
        out.push('\n');
    }
    for error in payload["errors"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "error ({}): {}",
            error["type"].as_str().unwrap_or_default(),
            error["message"].as_str().unwrap_or_default()
        );
    }
    let summary = if applied {
        format!("applied: {} rows", rows.len())
    } else if dry_run && payload["errors"].as_array().is_none_or(Vec::is_empty) {
        format!("dry run: {} rows would apply; nothing was changed", rows.len())
    } else {
        "refused: nothing was changed".to_owned()
    };
    out.push_str(&summary);
    out.push('\n');
    out
}
