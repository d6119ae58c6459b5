//! `originalUserModelBulkUserAction`: bulk CSV user actions of the original user model (see
//! `domain::original_users::bulk`). The backup CSV is `originalUserModel.usersCsv`.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};

use super::{ErrorType, OriginalUserModelError};
use crate::access::decision::ManageOriginalUsers;
use crate::domain::original_users::bulk::{self, BulkAction, BulkOutcome, RejectionKind, RowReport, RowStatus};
use crate::graphql::context::services;
use crate::graphql::guard::authorize;

/// What a bulk file does to its users (one action per file).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "OriginalUserModelBulkUserActionType")]
pub enum BulkUserAction {
    Add,
    Update,
    Delete,
}

impl From<BulkUserAction> for BulkAction {
    fn from(a: BulkUserAction) -> Self {
        match a {
            BulkUserAction::Add => BulkAction::Add,
            BulkUserAction::Update => BulkAction::Update,
            BulkUserAction::Delete => BulkAction::Delete,
        }
    }
}

/// What became of one row of a bulk file.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "OriginalUserModelBulkUserActionRowStatus")]
pub enum BulkRowStatus {
    /// The change was made.
    Applied,
    /// The row changes nothing: the user already is as it says.
    Unchanged,
    /// The row is fine but was not applied: a dry run, or other rows refused the file.
    Valid,
    /// The row refuses the whole file; `message` says why.
    Rejected,
}

impl From<RowStatus> for BulkRowStatus {
    fn from(s: RowStatus) -> Self {
        match s {
            RowStatus::Applied => BulkRowStatus::Applied,
            RowStatus::Unchanged => BulkRowStatus::Unchanged,
            RowStatus::Valid => BulkRowStatus::Valid,
            RowStatus::Rejected => BulkRowStatus::Rejected,
        }
    }
}

/// The report of one row of a bulk file.
#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelBulkUserActionRow")]
pub struct BulkRow {
    /// The line of the file where the row starts (the header is line 1).
    line: i64,
    email: String,
    status: BulkRowStatus,
    message: Option<String>,
}

impl From<RowReport> for BulkRow {
    fn from(r: RowReport) -> Self {
        BulkRow {
            line: i64::try_from(r.line).unwrap_or(i64::MAX),
            email: r.email,
            status: r.status.into(),
            message: r.message,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelBulkUserActionPayload")]
pub struct BulkPayload {
    /// True when the whole file was applied; false for a dry run and for a refused file (then
    /// nothing was changed).
    applied: bool,
    /// Every row of the file, in order (empty when the file itself could not be read).
    rows: Vec<BulkRow>,
    errors: Vec<OriginalUserModelError>,
}

fn error_type(kind: RejectionKind) -> ErrorType {
    match kind {
        RejectionKind::Forbidden => ErrorType::Forbidden,
        RejectionKind::NotFound => ErrorType::NotFound,
        RejectionKind::Invalid => ErrorType::Invalid,
    }
}

impl From<BulkOutcome> for BulkPayload {
    fn from(outcome: BulkOutcome) -> Self {
        let errors = outcome
            .refusals()
            .into_iter()
            .map(|(kind, message)| OriginalUserModelError { message, r#type: error_type(kind) })
            .collect();
        BulkPayload { applied: outcome.applied, rows: outcome.rows.into_iter().map(Into::into).collect(), errors }
    }
}

#[derive(Default)]
pub struct OriginalUserBulkMutations;

#[Object]
impl OriginalUserBulkMutations {
    /// Adds, updates or deletes many users of an account at once from a CSV file (one action per
    /// file; columns Email, Name, Type, Base role, Add-on roles, in any order): all rows apply or
    /// none does, and every row is reported. With `dryRun`, only reports. Needs "Manage v1 users"
    /// on the account; each row is decided like the single-user mutations.
    async fn original_user_model_bulk_user_action(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        action: BulkUserAction,
        csv: String,
        dry_run: Option<bool>,
    ) -> Result<BulkPayload> {
        let db = &services(ctx)?.db;
        let change = async {
            let proof = authorize(ctx, ManageOriginalUsers(account_id)).await?;
            bulk::bulk_user_action(db, &proof, action.into(), &csv, dry_run.unwrap_or(false)).await
        };
        match change.await {
            Ok(outcome) => Ok(outcome.into()),
            Err(err) => {
                Ok(BulkPayload { applied: false, rows: vec![], errors: vec![OriginalUserModelError::from_app(err)?] })
            }
        }
    }
}
