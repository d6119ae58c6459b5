//! Bulk user actions of the original user model (seed 001, "Bulk user management"): a CSV file
//! adds, updates or deletes many users of one account at once, and the backup CSV
//! ([`backup_csv`]) lists the account's users in the same columns, so that it can be uploaded
//! again to restore them.
//!
//! - One action per file. ADD needs Email, Name, Type and Base role (Add-on roles optional);
//!   UPDATE needs Email, Name (not editable) and Base role (Add-on roles optional); DELETE needs
//!   only Email. Other known columns are ignored by the actions that do not use them; an unknown
//!   column refuses the file.
//! - Every row is decided like the single-user mutations ([`Action::OriginalUserChange`]: nobody
//!   changes their own role or the Owner's, Restricted users change nothing; then
//!   [`Action::Carry`] of what each target gains or loses). A malformed row, an unknown email
//!   (UPDATE, DELETE), a changed name or a refused change refuses the whole file: every row is
//!   reported and nothing changes (one transaction, rolled back). A dry run reports the same way
//!   and always rolls back.
//! - A row that would change nothing (the user already is on the account with that role and those
//!   add-on roles) is UNCHANGED and needs no decision: a backup uploaded again restores the users
//!   that are gone and leaves the others (the Owner and oneself included) as they are.
//! - Speed: everything is read and written in batched statements (at most [`ROWS_PER_STATEMENT`]
//!   rows each), and decided in memory; never a statement per row. Only raising the user type of
//!   an existing user (ADD with a higher type) takes statements of its own, per such row.

use std::collections::{BTreeSet, HashMap, HashSet};

use entity::enums::{EmailVerificationState, OriginalBaseRole, ProvisioningType, UserType};
use entity::{
    api_key, audit_event, authentication_domain, original_add_on_role, original_membership, original_user_add_on_role,
    user,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use super::super::{audit, delegation, lookup, users, validate};
use super::{Confirmed, account_tree, actor_role, audit_target, confirm_manage, not_a_user, owner_of, snapshot};
use crate::access::decision::{self, Action, Allowed, ManageOriginalUsers, OriginalUserChange};
use crate::access::edition;
use crate::access::original::BaseRole;
use crate::error::{AppError, AppResult};

/// Most user rows of one file.
pub const MAX_ROWS: usize = 10_000;
/// Most bytes of one file (4 MiB).
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Most rows one statement reads or writes (bound variables stay far below the databases' limits).
pub const ROWS_PER_STATEMENT: usize = 500;

/// The columns of the files, as the backup names them (headers are matched without regard to
/// case, spaces and punctuation; see [`Column::from_header`]).
pub const HEADER: [&str; 5] = ["Email", "Name", "Type", "Base role", "Add-on roles"];

/// What a file does to its users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    Add,
    Update,
    Delete,
}

/// What became of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// The change was made.
    Applied,
    /// The row would change nothing.
    Unchanged,
    /// The row is fine, but nothing was changed: a dry run, or another row refused the file.
    Valid,
    /// The row refuses the file (the message says why).
    Rejected,
}

/// Why a row is rejected: as the single-user mutations say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RejectionKind {
    Forbidden,
    NotFound,
    Invalid,
}

/// The report of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReport {
    /// The line of the file where the row starts (the header is line 1).
    pub line: u64,
    pub email: String,
    pub status: RowStatus,
    pub message: Option<String>,
    pub rejection: Option<RejectionKind>,
}

/// The result of a file: whether it was applied, and each row's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOutcome {
    pub applied: bool,
    pub rows: Vec<RowReport>,
}

impl BulkOutcome {
    /// The refusals of the file, one per kind of rejection: `(kind, message)`.
    pub fn refusals(&self) -> Vec<(RejectionKind, String)> {
        let mut by_kind: Vec<(RejectionKind, Vec<&RowReport>)> = Vec::new();
        for row in self.rows.iter().filter(|r| r.status == RowStatus::Rejected) {
            let kind = row.rejection.unwrap_or(RejectionKind::Invalid);
            match by_kind.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, rows)) => rows.push(row),
                None => by_kind.push((kind, vec![row])),
            }
        }
        by_kind.sort_by_key(|(k, _)| *k);
        by_kind
            .into_iter()
            .map(|(kind, rows)| {
                let first = rows[0];
                let more = match rows.len() {
                    1 => String::new(),
                    n => format!(" ({} more rows like it)", n - 1),
                };
                let message = format!(
                    "The file was refused and nothing was changed: line {}: {}{more}",
                    first.line,
                    first.message.as_deref().unwrap_or("rejected")
                );
                (kind, message)
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Email,
    Name,
    Type,
    BaseRole,
    AddOnRoles,
}

impl Column {
    /// The column a header names: letters and digits only, any case ("Base role", "base_role",
    /// "BASEROLE"); also "User email", "User type", "Role", "Add-on role".
    fn from_header(header: &str) -> Option<Column> {
        match simplified(header).as_str() {
            "email" | "useremail" | "emailaddress" => Some(Column::Email),
            "name" | "username" | "fullname" => Some(Column::Name),
            "type" | "usertype" => Some(Column::Type),
            "baserole" | "role" => Some(Column::BaseRole),
            "addonrole" | "addonroles" => Some(Column::AddOnRoles),
            _ => None,
        }
    }

    fn shown(self) -> &'static str {
        match self {
            Column::Email => HEADER[0],
            Column::Name => HEADER[1],
            Column::Type => HEADER[2],
            Column::BaseRole => HEADER[3],
            Column::AddOnRoles => HEADER[4],
        }
    }
}

fn simplified(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

fn required(action: BulkAction) -> &'static [Column] {
    match action {
        BulkAction::Add => &[Column::Email, Column::Name, Column::Type, Column::BaseRole],
        BulkAction::Update => &[Column::Email, Column::Name, Column::BaseRole],
        BulkAction::Delete => &[Column::Email],
    }
}

/// A row as read from the file, with its values checked.
#[derive(Debug, Clone)]
struct Row {
    email: String,
    name: String,
    user_type: Option<UserType>,
    role: Option<BaseRole>,
    add_ons: Vec<String>,
}

/// A row, or why it is rejected before anything is read.
#[derive(Debug)]
struct ParsedRow {
    line: u64,
    /// The email as given (for the report).
    email: String,
    row: Result<Row, Rejection>,
}

#[derive(Debug, Clone)]
struct Rejection {
    kind: RejectionKind,
    message: String,
}

impl Rejection {
    fn invalid(message: impl Into<String>) -> Self {
        Rejection { kind: RejectionKind::Invalid, message: message.into() }
    }
}

impl From<AppError> for Rejection {
    fn from(err: AppError) -> Self {
        let (kind, message) = match err {
            AppError::Forbidden(m) => (RejectionKind::Forbidden, m),
            AppError::NotFound(m) => (RejectionKind::NotFound, m),
            AppError::BadInput(m) => (RejectionKind::Invalid, m),
            other => (RejectionKind::Invalid, other.to_string()),
        };
        Rejection { kind, message }
    }
}

impl From<decision::Denied> for Rejection {
    fn from(denied: decision::Denied) -> Self {
        AppError::from(denied).into()
    }
}

fn user_type(value: &str) -> Result<UserType, Rejection> {
    match simplified(value).as_str() {
        "basic" | "basicuser" => Ok(UserType::Basic),
        "core" | "coreuser" => Ok(UserType::Core),
        "full" | "fulluser" | "fullplatform" | "fullplatformuser" => Ok(UserType::Full),
        _ => Err(Rejection::invalid(format!(
            "Type '{}' is not a user type (BASIC, CORE or FULL)",
            validate::echo(value)
        ))),
    }
}

fn base_role(value: &str) -> Result<BaseRole, Rejection> {
    match simplified(value).as_str() {
        "owner" => Ok(BaseRole::Owner),
        "admin" => Ok(BaseRole::Admin),
        "user" => Ok(BaseRole::User),
        "restricted" => Ok(BaseRole::Restricted),
        _ => Err(Rejection::invalid(format!(
            "Base role '{}' is not a base role (ADMIN, USER or RESTRICTED)",
            validate::echo(value)
        ))),
    }
}

/// The add-on role names of a cell: separated by semicolons.
fn add_on_names(value: &str) -> Vec<String> {
    value.split(';').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect()
}

fn file_error(message: impl Into<String>) -> AppError {
    AppError::bad_input(message)
}

/// Reads a file: the header (any order of the columns) and each row, each checked on its own.
/// A file that cannot be read as a whole (too large, no header, a missing or unknown column,
/// no rows) is an input error; a row's problems are the row's rejection.
fn parse(action: BulkAction, csv_text: &str) -> AppResult<Vec<ParsedRow>> {
    if csv_text.len() > MAX_BYTES {
        return Err(file_error(format!(
            "The file is too large: {} bytes (maximum is {MAX_BYTES} bytes and {MAX_ROWS} rows)",
            csv_text.len()
        )));
    }
    let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| file_error(format!("The file's header cannot be read: {e}")))?.clone();
    if headers.iter().all(str::is_empty) {
        return Err(file_error(format!("The file has no header row (columns: {})", HEADER.join(", "))));
    }
    let mut columns: Vec<Column> = Vec::with_capacity(headers.len());
    for header in headers.iter() {
        let column = Column::from_header(header).ok_or_else(|| {
            file_error(format!(
                "Unknown column '{}' in the header (columns: {})",
                validate::echo(header),
                HEADER.join(", ")
            ))
        })?;
        if columns.contains(&column) {
            return Err(file_error(format!("The column {} appears twice in the header", column.shown())));
        }
        columns.push(column);
    }
    let missing: Vec<&str> = required(action).iter().filter(|c| !columns.contains(c)).map(|c| c.shown()).collect();
    if !missing.is_empty() {
        return Err(file_error(format!(
            "The file lacks the column(s) {} that {} needs",
            missing.join(", "),
            match action {
                BulkAction::Add => "adding users",
                BulkAction::Update => "updating users",
                BulkAction::Delete => "deleting users",
            }
        )));
    }
    let index = |c: Column| columns.iter().position(|x| *x == c);
    let (email_at, name_at, type_at, role_at, add_ons_at) = (
        index(Column::Email),
        index(Column::Name),
        index(Column::Type),
        index(Column::BaseRole),
        index(Column::AddOnRoles),
    );

    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let (mut line, mut counted_to) = (1u64, 0usize);
    for record in reader.records() {
        let record = record.map_err(|e| file_error(format!("The file cannot be read as CSV: {e}")))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(file_error(format!("The file has more than {MAX_ROWS} rows (maximum is {MAX_ROWS})")));
        }
        // The line where the record starts: the newlines before its first byte, counted on from
        // the previous record's start.
        let start = record.position().map_or(counted_to, |p| usize::try_from(p.byte()).unwrap_or(counted_to));
        let mut start = start.clamp(counted_to, text.len());
        // The reader's position may be that of the line ending before the record (CRLF, blank lines).
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        line += text.as_bytes()[counted_to..start].iter().filter(|b| **b == b'\n').count() as u64;
        counted_to = start;
        let cell = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or("");
        let email = cell(email_at).to_owned();
        let row = if record.len() != columns.len() {
            Err(Rejection::invalid(format!("The row has {} fields; the header has {}", record.len(), columns.len())))
        } else {
            read_row(action, &email, cell(name_at), cell(type_at), cell(role_at), cell(add_ons_at))
        };
        let row = row.and_then(|row| match seen.insert(row.email.to_lowercase(), line) {
            Some(first) => Err(Rejection::invalid(format!("The email is already on line {first} of the file"))),
            None => Ok(row),
        });
        rows.push(ParsedRow { line, email: validate::echo(&email), row });
    }
    if rows.is_empty() {
        return Err(file_error("The file has no user rows"));
    }
    Ok(rows)
}

fn read_row(
    action: BulkAction,
    email: &str,
    name: &str,
    user_type_cell: &str,
    role: &str,
    add_ons: &str,
) -> Result<Row, Rejection> {
    let email = validate::email(email)?;
    if action == BulkAction::Delete {
        return Ok(Row { email, name: String::new(), user_type: None, role: None, add_ons: Vec::new() });
    }
    let name = validate::name("Name", name)?;
    let user_type = match action {
        BulkAction::Add if user_type_cell.is_empty() => return Err(Rejection::invalid("Type can't be blank")),
        BulkAction::Add => Some(user_type(user_type_cell)?),
        _ => None,
    };
    if role.is_empty() {
        return Err(Rejection::invalid("Base role can't be blank"));
    }
    let role = base_role(role)?;
    Ok(Row { email, name, user_type, role: Some(role), add_ons: add_on_names(add_ons) })
}

// ---------------------------------------------------------------------------------------------
// Applying a file

/// What one accepted row does.
#[derive(Debug, Clone)]
enum Plan {
    Unchanged,
    /// ADD of a user to create (in the organization's first manually provisioned domain).
    Create {
        role: BaseRole,
        add_ons: Vec<i32>,
        user_type: UserType,
    },
    /// ADD of an existing user of the organization, raising their type when the row's is higher.
    AddExisting {
        role: BaseRole,
        add_ons: Vec<i32>,
        raise_to: Option<UserType>,
    },
    Update {
        role: BaseRole,
        add_ons: Vec<i32>,
        before_role: BaseRole,
        before_add_ons: Vec<i32>,
    },
    Delete {
        before_role: BaseRole,
        before_add_ons: Vec<i32>,
    },
}

struct Entry {
    line: u64,
    email: String,
    /// The row, once read; `Err` once rejected.
    row: Result<Row, Rejection>,
    plan: Option<Plan>,
    /// The target user's id, once known (created users' after their insertion).
    target: Option<i64>,
}

impl Entry {
    fn reject(&mut self, rejection: Rejection) {
        if self.row.is_ok() {
            self.row = Err(rejection);
            self.plan = None;
        }
    }

    fn accepted(&self) -> bool {
        self.row.is_ok() && self.plan.is_some()
    }
}

/// `originalUserModelBulkUserAction`: applies a file of `action` rows to the proof's account, all
/// of it or nothing; with `dry_run`, only reports.
pub async fn bulk_user_action(
    db: &DatabaseConnection,
    proof: &Allowed<ManageOriginalUsers>,
    action: BulkAction,
    csv_text: &str,
    dry_run: bool,
) -> AppResult<BulkOutcome> {
    let parsed = parse(action, csv_text)?;
    let txn = db.begin_with_options(super::super::write_transaction()).await?;
    let result = async {
        let confirmed = confirm_manage(&txn, proof).await?;
        apply(&txn, &confirmed, action, parsed, dry_run).await
    }
    .await;
    match result {
        Ok(outcome) if outcome.applied => {
            txn.commit().await?;
            Ok(outcome)
        }
        other => {
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rolling back a bulk user action failed");
            }
            other
        }
    }
}

/// Chunks of at most [`ROWS_PER_STATEMENT`].
fn chunks<T>(items: &[T]) -> std::slice::Chunks<'_, T> {
    items.chunks(ROWS_PER_STATEMENT)
}

async fn apply(
    txn: &DatabaseTransaction,
    confirmed: &Confirmed<'_>,
    action: BulkAction,
    parsed: Vec<ParsedRow>,
    dry_run: bool,
) -> AppResult<BulkOutcome> {
    let principal = &confirmed.principal;
    let caller = &principal.actor;
    let organization_id = caller.organization_id.as_str();
    let account = confirmed.account();
    let mut entries: Vec<Entry> = parsed
        .into_iter()
        .map(|p| Entry { line: p.line, email: p.email, row: p.row, plan: None, target: None })
        .collect();

    // 1. The facts, in a few statements.
    let tree = account_tree(txn, organization_id).await?;
    let owner = owner_of(txn, organization_id).await?;
    let my_role = actor_role(txn, &tree, caller.user_id, account).await?;
    let account_add_ons = original_add_on_role::Entity::find()
        .filter(original_add_on_role::Column::AccountId.eq(account))
        .all(txn)
        .await?;
    let add_on_by_name: HashMap<String, i32> = account_add_ons.iter().map(|r| (r.name.to_lowercase(), r.id)).collect();
    let account_add_on_ids: Vec<i32> = account_add_ons.iter().map(|r| r.id).collect();
    let emails: Vec<String> =
        entries.iter().filter_map(|e| e.row.as_ref().ok()).map(|r| r.email.to_lowercase()).collect();
    let users_by_email = users_by_email(txn, organization_id, &emails).await?;
    let known_ids: Vec<i64> = users_by_email.values().map(|u| u.id).collect();
    let memberships = memberships_on(txn, account, &known_ids).await?;
    let held = held_add_ons(txn, &account_add_on_ids, &known_ids).await?;

    // 2. Each row's plan, decided in memory.
    let decide = |target: i64, target_role: Option<BaseRole>| -> Result<(), Rejection> {
        let change = OriginalUserChange {
            account,
            actor_role: my_role,
            target,
            target_role,
            target_is_owner: owner == Some(target),
        };
        decision::check(principal, Action::OriginalUserChange(&change))?;
        Ok(())
    };
    for entry in &mut entries {
        let Ok(row) = &entry.row else { continue };
        let existing = users_by_email.get(&row.email.to_lowercase());
        let planned = plan(action, row, existing, &memberships, &held, &add_on_by_name, account, &decide);
        match planned {
            Ok(p) => {
                entry.target = existing.map(|u| u.id);
                entry.plan = Some(p);
            }
            Err(rejection) => entry.reject(rejection),
        }
    }

    // 3. New users, created in batches (the edition's cap of full users counted once).
    let creating: Vec<usize> =
        (0..entries.len()).filter(|i| matches!(entries[*i].plan, Some(Plan::Create { .. }))).collect();
    let full_added = entries
        .iter()
        .filter(|e| e.row.is_ok())
        .filter(|e| {
            matches!(
                e.plan,
                Some(Plan::Create { user_type: UserType::Full, .. })
                    | Some(Plan::AddExisting { raise_to: Some(UserType::Full), .. })
            )
        })
        .count() as u64;
    if full_added > 0 {
        let organization = lookup::organization_for_update(txn, organization_id).await?;
        let full = lookup::full_users(txn, organization_id).await?;
        edition::check_full_users(organization.edition.into(), full + full_added)?;
    }
    if !creating.is_empty() {
        create_users(txn, organization_id, &mut entries, &creating).await?;
    }
    // Additions of created users are decided with their ids, like the single add.
    for i in &creating {
        let entry = &mut entries[*i];
        if let Some(id) = entry.target
            && let Err(rejection) = decide(id, None)
        {
            entry.reject(rejection);
        }
    }

    // 4. The changes, in batches; then what each target gains or loses, decided.
    let targets: Vec<i64> = entries.iter().filter(|e| e.accepted()).filter_map(|e| e.target).collect();
    // Users created by this file had no access before it.
    let existing: Vec<i64> = entries
        .iter()
        .filter(|e| e.accepted() && !matches!(e.plan, Some(Plan::Create { .. })))
        .filter_map(|e| e.target)
        .collect();
    let before = delegation::access_of(txn, principal, &existing).await?;
    write_changes(txn, confirmed, &mut entries, &account_add_on_ids).await?;
    let after = delegation::access_of(txn, principal, &targets).await?;
    for entry in entries.iter_mut().filter(|e| e.accepted()) {
        let Some(target) = entry.target else { continue };
        if matches!(entry.plan, Some(Plan::Unchanged)) {
            continue;
        }
        let was = before.get(&target).cloned().unwrap_or_default();
        let now = after.get(&target).cloned().unwrap_or_default();
        let carried = decision::check(principal, Action::Carry(&now.gained_since(&was)))
            .and_then(|()| decision::check(principal, Action::Carry(&was.gained_since(&now))));
        if let Err(denied) = carried {
            entry.reject(denied.into());
        }
    }

    // 5. The report; the audit events when the file applies.
    let applied = !dry_run && entries.iter().all(|e| e.row.is_ok());
    if applied {
        record_audit(txn, confirmed, &entries).await?;
    }
    let rows = entries
        .into_iter()
        .map(|e| {
            let (status, message, rejection) = match (&e.row, &e.plan) {
                (Err(r), _) => (RowStatus::Rejected, Some(r.message.clone()), Some(r.kind)),
                (Ok(_), Some(Plan::Unchanged)) | (Ok(_), None) => {
                    (RowStatus::Unchanged, Some("Already as the row says: nothing to change".to_owned()), None)
                }
                (Ok(_), Some(plan)) if applied => (RowStatus::Applied, Some(done(plan, false)), None),
                (Ok(_), Some(plan)) => (RowStatus::Valid, Some(done(plan, true)), None),
            };
            RowReport { line: e.line, email: e.email, status, message, rejection }
        })
        .collect();
    Ok(BulkOutcome { applied, rows })
}

/// What an accepted row does (or would do), in words.
fn done(plan: &Plan, would: bool) -> String {
    let text = match plan {
        Plan::Unchanged => return "Nothing to change".to_owned(),
        Plan::Create { role, .. } => format!("created and added as {}", role_name(*role)),
        Plan::AddExisting { role, .. } => format!("added as {}", role_name(*role)),
        Plan::Update { role, .. } => format!("updated to {}", role_name(*role)),
        Plan::Delete { .. } => "deleted from the account, with their API keys for it".to_owned(),
    };
    if would { format!("Would be {text}") } else { format!("The user was {text}") }
}

fn role_name(role: BaseRole) -> &'static str {
    OriginalBaseRole::from(role).as_str()
}

/// The add-on role ids of `names` on the account (any case), or the first unknown name.
fn add_on_ids(names: &[String], by_name: &HashMap<String, i32>, account: i32) -> Result<Vec<i32>, Rejection> {
    let mut ids = BTreeSet::new();
    for name in names {
        let id = by_name.get(&name.to_lowercase()).ok_or_else(|| {
            Rejection::invalid(format!("Account {account} has no add-on role named '{}'", validate::echo(name)))
        })?;
        ids.insert(*id);
    }
    Ok(ids.into_iter().collect())
}

fn same_name(row: &Row, user: &user::Model) -> Result<(), Rejection> {
    if row.name.trim() == user.name.trim() {
        Ok(())
    } else {
        Err(Rejection::invalid(format!(
            "The name cannot be changed in bulk: the user's name is '{}'",
            validate::echo(&user.name)
        )))
    }
}

/// The role a row may give: not OWNER (the ownership is handed over, not given).
fn settable(role: BaseRole) -> Result<BaseRole, Rejection> {
    super::settable(role).map_err(Into::into)
}

#[allow(clippy::too_many_arguments)]
fn plan(
    action: BulkAction,
    row: &Row,
    existing: Option<&user::Model>,
    memberships: &HashMap<i64, original_membership::Model>,
    held: &HashMap<i64, Vec<i32>>,
    add_on_by_name: &HashMap<String, i32>,
    account: i32,
    decide: &dyn Fn(i64, Option<BaseRole>) -> Result<(), Rejection>,
) -> Result<Plan, Rejection> {
    let unknown = || Rejection {
        kind: RejectionKind::NotFound,
        message: format!("No user of the organization has the email {}", validate::echo(&row.email)),
    };
    let held_of = |id: i64| held.get(&id).cloned().unwrap_or_default();
    match action {
        BulkAction::Add => {
            let role = row.role.ok_or_else(|| Rejection::invalid("Base role can't be blank"))?;
            let add_ons = add_on_ids(&row.add_ons, add_on_by_name, account)?;
            let user_type = row.user_type.unwrap_or(UserType::Basic);
            let Some(user) = existing else {
                return Ok(Plan::Create { role: settable(role)?, add_ons, user_type });
            };
            same_name(row, user)?;
            if let Some(m) = memberships.get(&user.id) {
                let current: BaseRole = m.base_role.into();
                if current == role && held_of(user.id) == add_ons && user_type <= user.user_type {
                    return Ok(Plan::Unchanged);
                }
                return Err(Rejection::invalid(format!(
                    "The user is already a user of account {account} (as {}): an UPDATE file changes their role",
                    role_name(current)
                )));
            }
            let role = settable(role)?;
            decide(user.id, None)?;
            let raise_to = (user_type > user.user_type).then_some(user_type);
            Ok(Plan::AddExisting { role, add_ons, raise_to })
        }
        BulkAction::Update => {
            let user = existing.ok_or_else(unknown)?;
            let m = memberships.get(&user.id).ok_or_else(|| Rejection::from(not_a_user(account)))?;
            same_name(row, user)?;
            let role = row.role.ok_or_else(|| Rejection::invalid("Base role can't be blank"))?;
            let add_ons = add_on_ids(&row.add_ons, add_on_by_name, account)?;
            let before_role: BaseRole = m.base_role.into();
            let before_add_ons = held_of(user.id);
            if before_role == role && before_add_ons == add_ons {
                return Ok(Plan::Unchanged);
            }
            let role = settable(role)?;
            decide(user.id, Some(before_role))?;
            Ok(Plan::Update { role, add_ons, before_role, before_add_ons })
        }
        BulkAction::Delete => {
            let user = existing.ok_or_else(unknown)?;
            let m = memberships.get(&user.id).ok_or_else(|| Rejection::from(not_a_user(account)))?;
            let before_role: BaseRole = m.base_role.into();
            decide(user.id, Some(before_role))?;
            Ok(Plan::Delete { before_role, before_add_ons: held_of(user.id) })
        }
    }
}

/// The users of the organization with these lower-case emails: the first (by id) of each.
async fn users_by_email(
    db: &impl ConnectionTrait,
    organization_id: &str,
    emails: &[String],
) -> AppResult<HashMap<String, user::Model>> {
    let mut found: HashMap<String, user::Model> = HashMap::with_capacity(emails.len());
    for chunk in chunks(emails) {
        let users = user::Entity::find()
            .inner_join(authentication_domain::Entity)
            .filter(authentication_domain::Column::OrganizationId.eq(organization_id))
            .filter(user::Column::EmailLower.is_in(chunk.iter().cloned()))
            .order_by_asc(user::Column::Id)
            .all(db)
            .await?;
        for user in users {
            found.entry(user.email_lower.clone()).or_insert(user);
        }
    }
    Ok(found)
}

/// The explicit memberships of `users` on `account`.
async fn memberships_on(
    db: &impl ConnectionTrait,
    account: i32,
    users: &[i64],
) -> AppResult<HashMap<i64, original_membership::Model>> {
    let mut found = HashMap::with_capacity(users.len());
    for chunk in chunks(users) {
        for m in original_membership::Entity::find()
            .filter(original_membership::Column::AccountId.eq(account))
            .filter(original_membership::Column::UserId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            found.insert(m.user_id, m);
        }
    }
    Ok(found)
}

/// The add-on roles among `roles` (the account's) that `users` hold, sorted.
async fn held_add_ons(db: &impl ConnectionTrait, roles: &[i32], users: &[i64]) -> AppResult<HashMap<i64, Vec<i32>>> {
    let mut found: HashMap<i64, Vec<i32>> = HashMap::new();
    if roles.is_empty() {
        return Ok(found);
    }
    for chunk in chunks(users) {
        for held in original_user_add_on_role::Entity::find()
            .filter(original_user_add_on_role::Column::UserId.is_in(chunk.iter().copied()))
            .filter(original_user_add_on_role::Column::AddOnRoleId.is_in(roles.iter().copied()))
            .all(db)
            .await?
        {
            found.entry(held.user_id).or_default().push(held.add_on_role_id);
        }
    }
    for ids in found.values_mut() {
        ids.sort_unstable();
    }
    Ok(found)
}

/// Creates the users of the `creating` entries in the organization's first manually provisioned
/// domain, in batches, and sets their ids as the entries' targets.
async fn create_users(
    txn: &DatabaseTransaction,
    organization_id: &str,
    entries: &mut [Entry],
    creating: &[usize],
) -> AppResult<()> {
    let domain = authentication_domain::Entity::find()
        .filter(authentication_domain::Column::OrganizationId.eq(organization_id))
        .filter(authentication_domain::Column::ProvisioningType.eq(ProvisioningType::Manual))
        .order_by_asc(authentication_domain::Column::CreatedAt)
        .order_by_asc(authentication_domain::Column::Id)
        .one(txn)
        .await?;
    let Some(domain) = domain else {
        for i in creating {
            entries[*i].reject(Rejection::invalid(
                "The organization has no manually provisioned authentication domain for new users",
            ));
        }
        return Ok(());
    };
    let now = super::super::now();
    let mut models = Vec::with_capacity(creating.len());
    for i in creating {
        let entry = &entries[*i];
        let (Ok(row), Some(Plan::Create { user_type, .. })) = (&entry.row, &entry.plan) else { continue };
        models.push(user::ActiveModel {
            authentication_domain_id: Set(domain.id.clone()),
            email_lower: Set(row.email.to_lowercase()),
            email: Set(row.email.clone()),
            name: Set(row.name.clone()),
            user_type: Set(*user_type),
            time_zone: Set(users::DEFAULT_TIME_ZONE.to_owned()),
            email_verification_state: Set(EmailVerificationState::Pending),
            pending_upgrade_type: Set(None),
            pending_upgrade_message: Set(None),
            active: Set(true),
            last_active: Set(None),
            created_at: Set(now),
            ..Default::default()
        });
    }
    // The created rows come back from the insert itself (RETURNING): reading them again by email
    // would compare every new row with every email of the batch (PostgreSQL plans the statement
    // with the statistics of the table before the insert).
    let mut created: HashMap<String, user::Model> = HashMap::with_capacity(models.len());
    for batch in models.chunks(ROWS_PER_STATEMENT) {
        for user in user::Entity::insert_many(batch.to_vec()).exec_with_returning(txn).await? {
            created.insert(user.email_lower.clone(), user);
        }
    }
    for i in creating {
        let entry = &mut entries[*i];
        if let Ok(row) = &entry.row {
            entry.target = created.get(&row.email.to_lowercase()).map(|u| u.id);
        }
    }
    Ok(())
}

/// Writes the accepted rows' changes in batches.
async fn write_changes(
    txn: &DatabaseTransaction,
    confirmed: &Confirmed<'_>,
    entries: &mut [Entry],
    account_add_on_ids: &[i32],
) -> AppResult<()> {
    let account = confirmed.account();
    let caller = &confirmed.principal.actor;
    let mut new_memberships = Vec::new();
    let mut role_updates: HashMap<BaseRole, Vec<i64>> = HashMap::new();
    let mut removed = Vec::new();
    // Users whose add-on roles of the account are replaced, and the new ones.
    let mut add_on_users = Vec::new();
    let mut add_on_rows = Vec::new();
    let mut raises = Vec::new();
    for entry in entries.iter().filter(|e| e.accepted()) {
        let Some(target) = entry.target else { continue };
        match &entry.plan {
            Some(Plan::Create { role, add_ons, .. }) | Some(Plan::AddExisting { role, add_ons, .. }) => {
                new_memberships.push(original_membership::ActiveModel {
                    user_id: Set(target),
                    account_id: Set(account),
                    base_role: Set((*role).into()),
                    ..Default::default()
                });
                add_on_rows.extend(add_ons.iter().map(|id| (target, *id)));
                if let Some(Plan::AddExisting { raise_to, .. }) = &entry.plan {
                    // A new user holds no add-on role yet; an existing one may (without a base role).
                    add_on_users.push(target);
                    if let Some(t) = raise_to {
                        raises.push((target, *t));
                    }
                }
            }
            Some(Plan::Update { role, add_ons, .. }) => {
                role_updates.entry(*role).or_default().push(target);
                add_on_users.push(target);
                add_on_rows.extend(add_ons.iter().map(|id| (target, *id)));
            }
            Some(Plan::Delete { .. }) => {
                removed.push(target);
                add_on_users.push(target);
            }
            Some(Plan::Unchanged) | None => {}
        }
    }
    for batch in new_memberships.chunks(ROWS_PER_STATEMENT) {
        original_membership::Entity::insert_many(batch.to_vec()).exec_without_returning(txn).await?;
    }
    for (role, ids) in &role_updates {
        for chunk in chunks(ids) {
            original_membership::Entity::update_many()
                .col_expr(
                    original_membership::Column::BaseRole,
                    sea_orm::sea_query::Expr::value(OriginalBaseRole::from(*role).as_str()),
                )
                .filter(original_membership::Column::AccountId.eq(account))
                .filter(original_membership::Column::UserId.is_in(chunk.iter().copied()))
                .exec(txn)
                .await?;
        }
    }
    for chunk in chunks(&removed) {
        original_membership::Entity::delete_many()
            .filter(original_membership::Column::AccountId.eq(account))
            .filter(original_membership::Column::UserId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
        api_key::Entity::delete_many()
            .filter(api_key::Column::AccountId.eq(account))
            .filter(api_key::Column::UserId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    if !account_add_on_ids.is_empty() {
        for chunk in chunks(&add_on_users) {
            original_user_add_on_role::Entity::delete_many()
                .filter(original_user_add_on_role::Column::UserId.is_in(chunk.iter().copied()))
                .filter(original_user_add_on_role::Column::AddOnRoleId.is_in(account_add_on_ids.iter().copied()))
                .exec(txn)
                .await?;
        }
    }
    for batch in add_on_rows.chunks(ROWS_PER_STATEMENT) {
        let rows = batch.iter().map(|(user_id, role_id)| original_user_add_on_role::ActiveModel {
            user_id: Set(*user_id),
            add_on_role_id: Set(*role_id),
        });
        original_user_add_on_role::Entity::insert_many(rows).exec_without_returning(txn).await?;
    }
    // Raising an existing user's type (the highest type counts): rare, one user at a time, with
    // the same checks as the single add.
    for (user_id, user_type) in raises {
        let Some(target) = user::Entity::find_by_id(user_id).one(txn).await? else { continue };
        if let Err(err) = users::check_type_change(txn, caller, &target, user_type).await {
            if let Some(entry) = entries.iter_mut().find(|e| e.target == Some(user_id)) {
                entry.reject(err.into());
            }
            continue;
        }
        let old = target.clone();
        let mut model: user::ActiveModel = target.into();
        model.user_type = Set(user_type);
        model.pending_upgrade_type = Set(None);
        model.pending_upgrade_message = Set(None);
        let updated = model.update(txn).await?;
        audit::record(
            txn,
            audit::Audit::changed(
                caller,
                "update",
                "user",
                updated.id,
                Some(users::snapshot(&old)),
                Some(users::snapshot(&updated)),
            ),
        )
        .await?;
    }
    Ok(())
}

/// The audit events of an applied file: the users created and each membership added, updated or
/// deleted, as the single-user mutations record them, written in batches.
async fn record_audit(txn: &DatabaseTransaction, confirmed: &Confirmed<'_>, entries: &[Entry]) -> AppResult<()> {
    let caller = &confirmed.principal.actor;
    let account = confirmed.account();
    let mut events: Vec<audit::Audit<'_>> = Vec::new();
    let created_ids: Vec<i64> =
        entries.iter().filter(|e| matches!(e.plan, Some(Plan::Create { .. }))).filter_map(|e| e.target).collect();
    let mut created = HashMap::new();
    for chunk in chunks(&created_ids) {
        created.extend(super::super::directory::users_by_id(txn, chunk).await?);
    }
    for entry in entries {
        let (Some(target), Some(plan)) = (entry.target, &entry.plan) else { continue };
        let (verb, before, after) = match plan {
            Plan::Unchanged => continue,
            Plan::Create { role, add_ons, .. } => {
                if let Some(user) = created.get(&target) {
                    events.push(audit::Audit::changed(
                        caller,
                        "create",
                        "user",
                        target,
                        None,
                        Some(users::snapshot(user)),
                    ));
                }
                ("create", None, Some(snapshot(*role, add_ons)))
            }
            Plan::AddExisting { role, add_ons, .. } => ("create", None, Some(snapshot(*role, add_ons))),
            Plan::Update { role, add_ons, before_role, before_add_ons, .. } => {
                ("update", Some(snapshot(*before_role, before_add_ons)), Some(snapshot(*role, add_ons)))
            }
            Plan::Delete { before_role, before_add_ons, .. } => {
                ("delete", Some(snapshot(*before_role, before_add_ons)), None)
            }
        };
        events.push(audit::Audit::changed(
            caller,
            verb,
            "original_membership",
            audit_target(target, account),
            before,
            after,
        ));
    }
    let now = super::super::now();
    for batch in events.chunks(ROWS_PER_STATEMENT) {
        let rows = batch.iter().map(|a| audit_event::ActiveModel {
            actor_scim_token_id: Set(None),
            organization_id: Set(a.organization_id.map(str::to_owned)),
            actor_user_id: Set(a.actor_user_id),
            action: Set(a.action.clone()),
            target_type: Set(a.target_type.to_owned()),
            target_id: Set(a.target_id.clone()),
            before: Set(a.before.clone()),
            after: Set(a.after.clone()),
            created_at: Set(now),
            ..Default::default()
        });
        audit_event::Entity::insert_many(rows).exec_without_returning(txn).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The backup

/// The backup CSV of the account's users (those who hold a base role on the account itself;
/// inherited users are in their parent account's backup): a header row of [`HEADER`], then one
/// row per user by id: email, name, user type, base role, add-on roles of the account (names,
/// separated by "; "). Uploaded as an ADD file, it adds back the users that are gone and leaves
/// the others unchanged. A few statements per 500 users.
pub async fn backup_csv(db: &impl ConnectionTrait, account: i32) -> AppResult<String> {
    let mut members = original_membership::Entity::find()
        .filter(original_membership::Column::AccountId.eq(account))
        .order_by_asc(original_membership::Column::UserId)
        .all(db)
        .await?;
    members.dedup_by_key(|m| m.user_id);
    let ids: Vec<i64> = members.iter().map(|m| m.user_id).collect();
    let roles = original_add_on_role::Entity::find()
        .filter(original_add_on_role::Column::AccountId.eq(account))
        .all(db)
        .await?;
    let role_names: HashMap<i32, String> = roles.iter().map(|r| (r.id, r.name.clone())).collect();
    let role_ids: Vec<i32> = roles.iter().map(|r| r.id).collect();
    let held = held_add_ons(db, &role_ids, &ids).await?;
    let mut users = HashMap::with_capacity(ids.len());
    for chunk in chunks(&ids) {
        users.extend(super::super::directory::users_by_id(db, chunk).await?);
    }
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let internal = |e: csv::Error| AppError::Internal(format!("writing the backup CSV: {e}"));
    writer.write_record(HEADER).map_err(internal)?;
    let mut seen = HashSet::new();
    for m in &members {
        let Some(user) = users.get(&m.user_id) else { continue };
        if !seen.insert(user.id) {
            continue;
        }
        let mut names: Vec<&str> = held
            .get(&user.id)
            .map(|ids| ids.iter().filter_map(|id| role_names.get(id).map(String::as_str)).collect())
            .unwrap_or_default();
        names.sort_unstable();
        let role: BaseRole = m.base_role.into();
        writer
            .write_record([
                user.email.as_str(),
                user.name.as_str(),
                user.user_type.as_str(),
                role_name(role),
                names.join("; ").as_str(),
            ])
            .map_err(internal)?;
    }
    let bytes = writer.into_inner().map_err(|e| AppError::Internal(format!("writing the backup CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(format!("writing the backup CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(action: BulkAction, text: &str) -> Vec<ParsedRow> {
        parse(action, text).expect("parsed")
    }

    #[test]
    fn headers_in_any_order_and_case_with_a_bom_crlf_and_quotes() {
        let text = "\u{feff}base ROLE,\"E-mail\"\r\nadmin,\"ada@example.com\"\r\n";
        assert!(parse(BulkAction::Update, text).is_err(), "E-mail is not a known column and Name is missing");
        let text = "\u{feff}Base Role,Type,\"Name\",email,Add-on roles\r\n\
                    admin,full,\"Lovelace, Ada\",ada@example.com,\"APM manager; Alerts manager\"\r\n";
        let parsed = rows(BulkAction::Add, text);
        let row = parsed[0].row.as_ref().expect("row");
        assert_eq!(row.email, "ada@example.com");
        assert_eq!(row.name, "Lovelace, Ada");
        assert_eq!(row.user_type, Some(UserType::Full));
        assert_eq!(row.role, Some(BaseRole::Admin));
        assert_eq!(row.add_ons, vec!["APM manager".to_owned(), "Alerts manager".to_owned()]);
        assert_eq!(parsed[0].line, 2);
        for text in ["Email\na@b.co\n\nc@b.co\n", "Email\r\na@b.co\r\n\r\nc@b.co"] {
            let lines: Vec<u64> = rows(BulkAction::Delete, text).iter().map(|r| r.line).collect();
            assert_eq!(lines, vec![2, 4], "{text:?}");
        }
    }

    #[test]
    fn each_action_needs_its_columns_and_rejects_bad_rows_alone() {
        let missing =
            parse(BulkAction::Add, "Email,Name,Base role\na@b.co,A,admin\n").map(|_| ()).expect_err("refused");
        assert!(missing.to_string().contains("Type"), "{missing}");
        assert!(parse(BulkAction::Delete, "Email\n").is_err(), "no rows");
        assert!(parse(BulkAction::Delete, "Email,Shoe size\na@b.co,9\n").is_err(), "unknown column");
        let parsed = rows(
            BulkAction::Add,
            "Email,Name,Type,Base role\na@b.co,A,basic,owner\nnot-an-email,B,core,user\nc@b.co,C,,user\nA@B.co,A,basic,user\n\n,,,\n",
        );
        assert_eq!(parsed.len(), 4, "blank rows are skipped");
        assert!(parsed[0].row.is_ok(), "OWNER is refused later, unless unchanged");
        assert!(parsed[1].row.is_err());
        assert!(parsed[2].row.as_ref().is_err_and(|r| r.message.contains("Type")));
        assert!(parsed[3].row.as_ref().is_err_and(|r| r.message.contains("line 2")), "duplicate email");
        let deletes = rows(BulkAction::Delete, "Name,Email\nwhatever,a@b.co\n");
        assert!(deletes[0].row.is_ok());
    }

    #[test]
    fn the_file_is_capped() {
        let mut text = String::from("Email\n");
        for i in 0..=MAX_ROWS {
            text.push_str(&format!("u{i}@example.com\n"));
        }
        let err = parse(BulkAction::Delete, &text).map(|_| ()).expect_err("refused");
        assert!(err.to_string().contains("10000 rows"), "{err}");
        let big = "x".repeat(MAX_BYTES + 1);
        assert!(parse(BulkAction::Delete, &big).map(|_| ()).expect_err("refused").to_string().contains("too large"));
    }
}
