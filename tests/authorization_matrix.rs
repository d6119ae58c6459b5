//! The authorization matrix: every mutation and every query area of the schema, run as every kind
//! of principal, against one table of expected outcomes.
//!
//! - The operations come from the schema itself (`accessgraph::graphql::sdl()`): every field of
//!   `RootMutationType`, and every field under the query roots, descending through the "area"
//!   objects ([`AREAS`]: `actor`, `actor.account(id)`, `actor.organization`, its stitched areas,
//!   `customerAdministration`, ...). An operation of the schema without a row in [`table`], or a
//!   row the schema lacks, fails [`the_table_covers_every_operation_of_the_schema`] by name.
//! - The principals ([`PRINCIPALS`]) are the bootstrap admin, a FULL user holding each standard
//!   role through a group of their own, BASIC/CORE/FULL users of the default User group, a user of
//!   a custom role, a user of another authentication domain, a user with All product admin on
//!   another account only, and a user with no grants; each calls with a user key of their own.
//! - Each row states who is allowed, as literals taken from the rules (the capability catalog of
//!   migration `m20261123_000002_seed_catalog`, `shared/DESIGN.md`, the seeds), never computed by
//!   the code under test. Everyone else must be denied: a top-level `FORBIDDEN`, `NOT_FOUND` or
//!   `UNAUTHENTICATED`, or a payload error of type `FORBIDDEN`, `NOT_FOUND`, `UNAUTHORIZED` or
//!   `NOT_AUTHORIZED`. An allowed cell must answer without any error.
//! - No cell may answer HTTP 5xx or `INTERNAL_SERVER_ERROR`.
//!
//! Capabilities of the principals (catalog tiers): All product admin = every account capability
//! of tiers Read, Use, Configure and AdminHidden (so "Manage user keys of other users", 2403, and
//! "Manage synthetics permissions", 1510); Standard user = Read and Use; Read only = Read; Billing
//! user = Read and Billing; Manage v1 users = 2701 and 2702 only. Organization manager = 2801-2808
//! and 2905; Organization read only = 2801, 2803, 2805, 2807, 2905; Authentication domain manager
//! = 2901-2906; Authentication domain read only = 2901, 2903, 2905. The default User group holds
//! All product admin on the primary account: a FULL member has all of it, a CORE member all but
//! the Full-Stack Observability capabilities (every Synthetics one), a BASIC member exactly the
//! basic set (the same here). The bootstrap admin is in the default Admin group (All product
//! admin and Billing user on the primary account, Organization manager and Authentication domain
//! manager on the organization).
//!
//! Each destructive cell gets a fresh target of its own (a user, group, role, account, key,
//! monitor, ... made for that cell), so that one principal's success does not spoil the next cell.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use accessgraph::domain::synthetics::guid::{self, GuidKind};
use async_graphql_parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use axum::http::StatusCode;
use chrono::Utc;
use entity::enums::{AuthenticationType, ProvisioningType, Scope, SyntheticsEntityKind, UserType};
use entity::{
    api_key, organization, synthetics_permission_group, synthetics_permission_group_member, synthetics_permission_rule,
    synthetics_private_location,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_KEY, TestApp};

/// "No escalation by delegation": nobody creates, reads in full, updates or deletes a key of a
/// user whose current access is not within the caller's own. The cells it decides (the admin's
/// key, as held by "Manage user keys of other users" holders) are only asserted once this is true;
/// until then they are run (and checked for 5xx) but shown as `~` in the grid.
const DELEGATION_RULE_LANDED: bool = true;

// ---------------------------------------------------------------------------------------------
// Principals

type Who = u32;

const ADMIN: Who = 1 << 0;
const ALL_PRODUCT_ADMIN: Who = 1 << 1;
const STANDARD_USER: Who = 1 << 2;
const READ_ONLY: Who = 1 << 3;
const BILLING_USER: Who = 1 << 4;
const MANAGE_V1_USERS: Who = 1 << 5;
const ORG_MANAGER: Who = 1 << 6;
const ORG_READ_ONLY: Who = 1 << 7;
const DOMAIN_MANAGER: Who = 1 << 8;
const DOMAIN_READ_ONLY: Who = 1 << 9;
const BASIC: Who = 1 << 10;
const CORE: Who = 1 << 11;
const FULL: Who = 1 << 12;
const CUSTOM: Who = 1 << 13;
const OTHER_DOMAIN: Who = 1 << 14;
const OTHER_ACCOUNT: Who = 1 << 15;
const NO_GRANTS: Who = 1 << 16;

/// Every principal, with the short name the grid shows.
const PRINCIPALS: [(Who, &str, &str); 17] = [
    (ADMIN, "adm", "bootstrap admin"),
    (ALL_PRODUCT_ADMIN, "apa", "All product admin (FULL)"),
    (STANDARD_USER, "std", "Standard user (FULL)"),
    (READ_ONLY, "ro", "Read only (FULL)"),
    (BILLING_USER, "bil", "Billing user (FULL)"),
    (MANAGE_V1_USERS, "v1", "Manage v1 users (FULL)"),
    (ORG_MANAGER, "om", "Organization manager (FULL)"),
    (ORG_READ_ONLY, "oro", "Organization read only (FULL)"),
    (DOMAIN_MANAGER, "dm", "Authentication domain manager (FULL)"),
    (DOMAIN_READ_ONLY, "dro", "Authentication domain read only (FULL)"),
    (BASIC, "bas", "BASIC in the default User group"),
    (CORE, "cor", "CORE in the default User group"),
    (FULL, "ful", "FULL in the default User group"),
    (CUSTOM, "cus", "custom role: 1501, 1502, 1507, 2401 (FULL)"),
    (OTHER_DOMAIN, "odo", "user of another authentication domain, no grants"),
    (OTHER_ACCOUNT, "oac", "All product admin on another account only"),
    (NO_GRANTS, "non", "no grants"),
];

const EVERYONE: Who = (1 << 17) - 1;
/// Any capability on the primary account: the account roles, the default User group, the custom
/// role (Manage v1 users gives 2701 and 2702 there, which is access).
const PRIMARY_ACCOUNT_USERS: Who = ADMIN
    | ALL_PRODUCT_ADMIN
    | STANDARD_USER
    | READ_ONLY
    | BILLING_USER
    | MANAGE_V1_USERS
    | BASIC
    | CORE
    | FULL
    | CUSTOM;
/// The organization capabilities 2902 (domains), 2904 (users), 2906 (groups).
const DOMAIN_MANAGERS: Who = ADMIN | DOMAIN_MANAGER;
/// Any of 2901/2902 or 2903/2904 (reading domains or users).
const DOMAIN_READERS: Who = ADMIN | DOMAIN_MANAGER | DOMAIN_READ_ONLY;
/// 2802, 2804, 2806, 2808: organization settings, accounts, custom roles, grants.
const ORG_MANAGERS: Who = ADMIN | ORG_MANAGER;
/// Any of 2801/2802, 2803/2804, 2805/2806, 2807/2808.
const ORG_READERS: Who = ADMIN | ORG_MANAGER | ORG_READ_ONLY;
/// 2905 or 2906 (groups): both organization roles and both domain roles hold 2905.
const GROUP_READERS: Who = ADMIN | ORG_MANAGER | ORG_READ_ONLY | DOMAIN_MANAGER | DOMAIN_READ_ONLY;
/// Configure-tier (and AdminHidden) Full-Stack Observability capabilities on the primary account:
/// 1503, 1505, 1506, 1508, 1509, 1510. All product admin only, and FULL users only.
const SYNTHETICS_ADMINS: Who = ADMIN | ALL_PRODUCT_ADMIN | FULL;
/// "Modify synthetic monitors" (1502): the synthetics admins and the custom role.
const MONITOR_EDITORS: Who = SYNTHETICS_ADMINS | CUSTOM;
/// "Read synthetic monitors" (1501, Read tier, FSO): every FULL holder of an account role but
/// Manage v1 users, and the custom role.
const MONITOR_VIEWERS: Who = ADMIN | ALL_PRODUCT_ADMIN | STANDARD_USER | READ_ONLY | BILLING_USER | FULL | CUSTOM;
/// "Read synthetics private locations" (1504, Read tier, FSO): not the custom role.
const LOCATION_VIEWERS: Who = ADMIN | ALL_PRODUCT_ADMIN | STANDARD_USER | READ_ONLY | BILLING_USER | FULL;
/// "View synthetics secure credentials" (1507, Use tier, FSO).
const CREDENTIAL_VIEWERS: Who = ADMIN | ALL_PRODUCT_ADMIN | STANDARD_USER | FULL | CUSTOM;
/// Holders of "Manage user keys of other users" (2403, AdminHidden, not FSO, so in the basic set)
/// on the primary account. Before the delegation rule they may manage the admin's keys.
const OTHER_USERS_KEY_MANAGERS: Who = ADMIN | ALL_PRODUCT_ADMIN | BASIC | CORE | FULL;

// ---------------------------------------------------------------------------------------------
// Operations from the schema

/// Object types that group operations: the walk descends into them and their fields are the
/// operations. A field of any other type is one operation.
const AREAS: &[&str] = &[
    "Actor",
    "Account",
    "SyntheticsAccountStitchedFields",
    "ApiAccessActorStitchedFields",
    "Organization",
    "AuthorizationManagementOrganizationStitchedFields",
    "AccountManagementOrganizationStitchedFields",
    "UserManagementOrganizationStitchedFields",
    "WorkflowAutomationOrganizationStitchedFields",
    "CustomerAdministration",
    "CustomerAdministrationJobs",
];

fn named(ty: &Type) -> String {
    match &ty.base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => named(inner),
    }
}

/// `mutation.<field>` for every mutation, and the dotted path of every query operation.
fn schema_operations() -> BTreeSet<String> {
    let sdl = accessgraph::graphql::sdl();
    let document = async_graphql_parser::parse_schema(&sdl).expect("the SDL parses");
    let mut objects: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for definition in document.definitions {
        if let TypeSystemDefinition::Type(ty) = definition
            && let TypeKind::Object(object) = &ty.node.kind
        {
            let fields = object.fields.iter().map(|f| (f.node.name.node.to_string(), named(&f.node.ty.node)));
            objects.insert(ty.node.name.node.to_string(), fields.collect());
        }
    }
    let mut operations = BTreeSet::new();
    for (field, _) in &objects["RootMutationType"] {
        operations.insert(format!("mutation.{field}"));
    }
    fn walk(objects: &HashMap<String, Vec<(String, String)>>, prefix: &str, ty: &str, out: &mut BTreeSet<String>) {
        for (field, field_type) in &objects[ty] {
            let path = if prefix.is_empty() { field.clone() } else { format!("{prefix}.{field}") };
            if AREAS.contains(&field_type.as_str()) {
                walk(objects, &path, field_type, out);
            } else {
                out.insert(path);
            }
        }
    }
    walk(&objects, "", "RootQueryType", &mut operations);
    operations
}

#[test]
fn the_table_covers_every_operation_of_the_schema() {
    let schema = schema_operations();
    let rows = table();
    let mut listed = BTreeSet::new();
    for row in &rows {
        assert!(listed.insert(row.op.to_owned()), "the table lists {} twice", row.op);
        // The admin's cell shows that the row's document and targets are valid.
        assert!(row.allowed & ADMIN != 0, "{}: the bootstrap admin may do everything", row.op);
    }
    let missing: Vec<_> = schema.difference(&listed).collect();
    let extra: Vec<_> = listed.difference(&schema).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "operations of the schema without a row in tests/authorization_matrix.rs: {missing:?}; \
         rows for operations the schema lacks: {extra:?}"
    );
    // A sanity check of the walk itself: both roots and the areas contribute.
    assert!(schema.len() > 90, "{schema:?}");
    for op in [
        "mutation.organizationUpdate",
        "actor.account.synthetics.script",
        "customerAdministration.jobs.organizationCreateAsyncResults",
    ] {
        assert!(schema.contains(op), "{op} in {schema:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The table

/// A target made for one cell only, before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fresh {
    None,
    /// A user of the default domain with no groups: `user`.
    User,
    /// A group of the default domain without grants: `group`.
    Group,
    /// Both of the above: `user`, `group`.
    UserAndGroup,
    /// A user in a group without grants: `user`, `group`.
    Membership,
    /// A group granted Organization read only on the organization: `group`.
    OrganizationGrant,
    /// A custom role held by no group: `role`.
    CustomRole,
    /// An authentication domain without users: `domain`.
    Domain,
    /// An active account: `account`.
    Account,
    /// A user key of the bootstrap admin on the primary account: `key`.
    AdminKey,
    /// A Synthetics permission group of the primary account: `group`.
    PermissionGroup,
    /// ... with the member user in it: `group`.
    PermissionGroupWithMember,
    /// ... with a View rule on all monitors: `group`.
    PermissionGroupWithRule,
    /// A private location of the primary account: `guid`.
    Location,
    /// A secure credential of the primary account: `key`.
    Credential,
    /// A simple monitor of the primary account: `guid`.
    Monitor,
    /// The Synthetics permission system on for the primary account (turned on by the admin).
    PermissionsOn,
    /// A FULL user with the original model's RESTRICTED base role on the primary account: `user`.
    V1User,
    /// A custom add-on role of the primary account held by nobody: `role`.
    V1AddOnRole,
}

/// Everything a row's variables may refer to.
struct Targets {
    account: i32,
    organization: String,
    customer_id: String,
    domain: String,
    /// A SCIM-provisioned domain, whose SCIM token is generated.
    scim_domain: String,
    /// A group without grants, renamed by `userManagementUpdateGroup`.
    group: String,
    /// A custom role held by no group, renamed by `customRoleUpdate`.
    role: i32,
    organization_read_only: i32,
    /// An account renamed by `accountManagementUpdateAccount`.
    renamed_account: i32,
    /// A BASIC user of the default User group (so with access to the primary account).
    member: i64,
    admin_user: i64,
    /// The id of the bootstrap admin's own key (`ADMIN_KEY`).
    admin_key: String,
    /// A Synthetics permission group, renamed and given rules.
    permission_group: String,
    location: String,
    credential: String,
    monitors: BTreeMap<&'static str, String>,
}

struct Cell<'a> {
    op: &'static str,
    t: &'a Targets,
    /// What the cell's [`Fresh`] made.
    f: Value,
    /// Unique per cell: for names that must not repeat.
    n: usize,
}

struct Row {
    op: &'static str,
    allowed: Who,
    doc: String,
    fresh: Fresh,
    vars: fn(&Cell) -> Value,
    /// A null result without error is a normal answer (fields that are always null).
    null_ok: bool,
    /// Decided by the delegation rule (see [`DELEGATION_RULE_LANDED`]).
    delegation: bool,
    /// Turn the Synthetics permission system off again after each cell.
    reset_permissions: bool,
}

fn row(op: &'static str, allowed: Who, doc: impl Into<String>, vars: fn(&Cell) -> Value) -> Row {
    Row {
        op,
        allowed,
        doc: doc.into(),
        fresh: Fresh::None,
        vars,
        null_ok: false,
        delegation: false,
        reset_permissions: false,
    }
}

impl Row {
    fn fresh(mut self, fresh: Fresh) -> Row {
        self.fresh = fresh;
        self
    }
    fn null_ok(mut self) -> Row {
        self.null_ok = true;
        self
    }
    /// Marks a row decided by the delegation rule (see [`DELEGATION_RULE_LANDED`]).
    fn delegation(mut self) -> Row {
        self.delegation = true;
        self
    }
    fn reset_permissions(mut self) -> Row {
        self.reset_permissions = true;
        self
    }
}

fn none(_: &Cell) -> Value {
    Value::Null
}

fn account(c: &Cell) -> Value {
    json!({"a": c.t.account})
}

fn organization(c: &Cell) -> Value {
    json!({"o": c.t.organization})
}

/// `query($a: Int!) { actor { account(id: $a) { <inner> } } }`
fn on_account(inner: &str) -> String {
    format!("query($a: Int!) {{ actor {{ account(id: $a) {{ {inner} }} }} }}")
}

fn on_monitor(inner: &str) -> String {
    format!("query($a: Int!, $g: EntityGuid!) {{ actor {{ account(id: $a) {{ synthetics {{ {inner} }} }} }} }}")
}

fn on_organization(inner: &str) -> String {
    format!("{{ actor {{ organization {{ {inner} }} }} }}")
}

/// Each monitor kind with its create and update mutations.
const MONITOR_KINDS: [(&str, &str, &str); 7] = [
    ("Simple", "mutation.syntheticsCreateSimpleMonitor", "mutation.syntheticsUpdateSimpleMonitor"),
    ("SimpleBrowser", "mutation.syntheticsCreateSimpleBrowserMonitor", "mutation.syntheticsUpdateSimpleBrowserMonitor"),
    ("ScriptApi", "mutation.syntheticsCreateScriptApiMonitor", "mutation.syntheticsUpdateScriptApiMonitor"),
    ("ScriptBrowser", "mutation.syntheticsCreateScriptBrowserMonitor", "mutation.syntheticsUpdateScriptBrowserMonitor"),
    ("Step", "mutation.syntheticsCreateStepMonitor", "mutation.syntheticsUpdateStepMonitor"),
    ("BrokenLinks", "mutation.syntheticsCreateBrokenLinksMonitor", "mutation.syntheticsUpdateBrokenLinksMonitor"),
    ("CertCheck", "mutation.syntheticsCreateCertCheckMonitor", "mutation.syntheticsUpdateCertCheckMonitor"),
];

/// The monitor kind of a create or update mutation (`mutation.syntheticsCreateStepMonitor`: `Step`).
fn monitor_kind(op: &str) -> &str {
    let (kind, _, _) =
        MONITOR_KINDS.iter().find(|(_, create, update)| *create == op || *update == op).expect("a monitor mutation");
    kind
}

fn create_monitor_doc(kind: &str) -> String {
    format!(
        "mutation($a: Int!, $m: SyntheticsCreate{kind}MonitorInput!) {{ syntheticsCreate{kind}Monitor(accountId: $a, \
         monitor: $m) {{ errors {{ description type }} monitor {{ guid }} }} }}"
    )
}

fn update_monitor_doc(kind: &str) -> String {
    format!(
        "mutation($g: EntityGuid!, $m: SyntheticsUpdate{kind}MonitorInput!) {{ syntheticsUpdate{kind}Monitor(guid: $g, \
         monitor: $m) {{ errors {{ description type }} monitor {{ guid }} }} }}"
    )
}

/// A valid create input of each monitor kind.
fn monitor_input(kind: &str, n: usize) -> Value {
    let name = format!("Matrix {kind} {n}");
    let node = json!({"runtimeType": "NODE_API", "runtimeTypeVersion": "16.10", "scriptLanguage": "JAVASCRIPT"});
    let chrome = json!({"runtimeType": "CHROME_BROWSER", "runtimeTypeVersion": "100", "scriptLanguage": "JAVASCRIPT"});
    let base =
        json!({"locations": {"public": ["US_EAST_1"]}, "name": name, "period": "EVERY_HOUR", "status": "ENABLED"});
    let extra = match kind {
        "Simple" => json!({"uri": "https://example.com"}),
        "SimpleBrowser" => json!({"uri": "https://example.com", "runtime": chrome}),
        "ScriptApi" => json!({"runtime": node, "script": "$http.get('https://example.com');"}),
        "ScriptBrowser" => json!({"runtime": chrome, "script": "$webDriver.get('https://example.com');"}),
        "Step" => json!({"runtime": {"runtimeType": "CHROME_BROWSER", "runtimeTypeVersion": "100"},
            "steps": [{"ordinal": 0, "type": "NAVIGATE", "values": ["https://example.com"]}]}),
        "BrokenLinks" => {
            json!({"uri": "https://example.com", "runtime": {"runtimeType": "NODE_API", "runtimeTypeVersion": "16.10"}})
        }
        "CertCheck" => json!({"domain": "example.com", "numberDaysToFailBeforeCertExpires": 10,
            "runtime": {"runtimeType": "NODE_API", "runtimeTypeVersion": "16.10"}}),
        other => panic!("monitor kind {other}"),
    };
    let mut input = base;
    for (k, v) in extra.as_object().expect("object") {
        input[k] = v.clone();
    }
    input
}

const KEY_ERRORS: &str =
    "errors { message type ... on ApiAccessUserKeyError { errorType } ... on ApiAccessIngestKeyError { errorType } }";
const PERMISSION_GROUP: &str = "errors { description type } group { id }";

/// One row per operation of the schema: the document, its variables and who is allowed.
fn table() -> Vec<Row> {
    let mut rows = vec![
        // --- actor.account(id): any capability on the account (guard), then each field's rule.
        row("actor.account.id", PRIMARY_ACCOUNT_USERS, on_account("id"), account),
        row("actor.account.name", PRIMARY_ACCOUNT_USERS, on_account("name"), account),
        row("actor.account.capabilityIds", PRIMARY_ACCOUNT_USERS, on_account("capabilityIds"), account),
        // "Manage synthetics permissions" (1510).
        row(
            "actor.account.syntheticsPermissions",
            SYNTHETICS_ADMINS,
            on_account("syntheticsPermissions { enabled groups { id name } }"),
            account,
        ),
        // "Read synthetics private locations" (1504), then the locations the viewer may View.
        row(
            "actor.account.syntheticsPrivateLocations",
            LOCATION_VIEWERS,
            on_account("syntheticsPrivateLocations { totalCount privateLocations { guid name } }"),
            account,
        ),
        // "View synthetics secure credentials" (1507).
        row(
            "actor.account.syntheticsSecureCredentials",
            CREDENTIAL_VIEWERS,
            on_account("syntheticsSecureCredentials { totalCount secureCredentials { key } }"),
            account,
        ),
        // The monitors the viewer may View: a filter.
        row(
            "actor.account.synthetics.monitors",
            PRIMARY_ACCOUNT_USERS,
            on_account("synthetics { monitors { totalCount monitors { guid } } }"),
            account,
        ),
        // View (1501) with the permission system off.
        row("actor.account.synthetics.monitor", MONITOR_VIEWERS, on_monitor("monitor(guid: $g) { guid name }"), |c| {
            json!({"a": c.t.account, "g": c.t.monitors["Simple"]})
        }),
        row(
            "actor.account.synthetics.accessExplanation",
            ADMIN,
            "query($a: Int!, $g: EntityGuid!, $u: ID!) { actor { account(id: $a) { synthetics { accessExplanation(userId: $u, guid: $g) { view edit } } } } }",
            |c| json!({"a": c.t.account, "g": c.t.monitors["Simple"], "u": c.t.member.to_string()}),
        ),
        row(
            "actor.account.synthetics.monitorChanges",
            MONITOR_VIEWERS,
            on_monitor("monitorChanges(guid: $g) { action actorUserId }"),
            |c| json!({"a": c.t.account, "g": c.t.monitors["Simple"]}),
        ),
        // Edit (1502): a monitor's script and steps are its settings.
        row("actor.account.synthetics.script", MONITOR_EDITORS, on_monitor("script(monitorGuid: $g) { text }"), |c| {
            json!({"a": c.t.account, "g": c.t.monitors["ScriptApi"]})
        }),
        row(
            "actor.account.synthetics.steps",
            MONITOR_EDITORS,
            on_monitor("steps(monitorGuid: $g) { ordinal type values }"),
            |c| json!({"a": c.t.account, "g": c.t.monitors["Step"]}),
        ),
        // --- actor.apiAccess
        // The admin's own key, read by others: only someone holding all the admin holds.
        row(
            "actor.apiAccess.key",
            ADMIN,
            "query($id: ID!) { actor { apiAccess { key(id: $id, keyType: USER) { id key name ... on ApiAccessUserKey { userId } } } } }",
            |c| json!({"id": c.t.admin_key}),
        )
        // fixed by the delegation rule
        .delegation(),
        // The keys the viewer may see: a filter.
        row(
            "actor.apiAccess.keySearch",
            EVERYONE,
            "{ actor { apiAccess { keySearch(query: {types: [USER, INGEST]}) { count keys { id } } } } }",
            none,
        ),
        row("actor.accounts", EVERYONE, "{ actor { accounts { id name } } }", none),
        row("actor.user", EVERYONE, "{ actor { user { id email } } }", none),
        // --- Sign-in sessions and passwords (issue 15): one's own, for every signed-in user.
        row("actor.sessions", EVERYONE, "{ actor { sessions { id current } } }", none),
        row(
            "mutation.userManagementEndSessions",
            EVERYONE,
            "mutation { userManagementEndSessions(sessionIds: []) { endedSessionIds } }",
            none,
        ),
        // Allowed to everyone; the current password decides (a wrong one is a payload error, not
        // selected here: the principals have no password).
        row(
            "mutation.userManagementUpdateOwnPassword",
            EVERYONE,
            "mutation { userManagementUpdateOwnPassword(currentPassword: \"Not-Set-1234\", newPassword: \"Matrix-Pass-42\") { updated } }",
            none,
        ),
        // "Manage users" (2904), and acting on that user (a fresh user without access).
        row(
            "mutation.userManagementCreatePasswordSetupLink",
            DOMAIN_MANAGERS,
            "mutation($id: ID!) { userManagementCreatePasswordSetupLink(userId: $id) { link errors { message } } }",
            |c| json!({"id": c.f["user"]}),
        )
        .fresh(Fresh::User),
        // "Manage authentication domains" (2902) and "Manage organization accounts" (2804).
        row(
            "mutation.authenticationDomainUpdateSessionSettings",
            DOMAIN_MANAGERS,
            "mutation($d: ID!) { authenticationDomainUpdateSessionSettings(authenticationDomainId: $d, idleTimeoutMinutes: 60) { sessionSettings { idleTimeoutMinutes } } }",
            |c| json!({"d": c.t.domain}),
        ),
        row(
            "mutation.accountManagementUpdateSessionSettings",
            ORG_MANAGERS,
            "mutation($a: Int!) { accountManagementUpdateSessionSettings(accountId: $a, restrictedUsersNeverTimeOut: false) { sessionSettings { accountId } } }",
            account,
        ),
        // --- actor.organization: one's own organization is readable by every signed-in user.
        row("actor.organization.id", EVERYONE, on_organization("id"), none),
        row("actor.organization.name", EVERYONE, on_organization("name"), none),
        row("actor.organization.customerId", EVERYONE, on_organization("customerId"), none),
        row("actor.organization.storageAccountId", EVERYONE, on_organization("storageAccountId"), none).null_ok(),
        row("actor.organization.telemetryId", EVERYONE, on_organization("telemetryId"), none).null_ok(),
        row(
            "actor.organization.administrator",
            EVERYONE,
            on_organization("administrator { organizationId organizationName }"),
            none,
        ),
        row(
            "actor.organization.workflowAutomation.workflow",
            EVERYONE,
            on_organization(r#"workflowAutomation { workflow(name: "matrix") { definition { name } } }"#),
            none,
        )
        .null_ok(),
        // Reading authentication domains: 2901/2902 or 2903/2904.
        row(
            "actor.organization.authorizationManagement.authenticationDomains",
            DOMAIN_READERS,
            on_organization("authorizationManagement { authenticationDomains { authenticationDomains { id name } } }"),
            none,
        ),
        // Reading roles: 2805/2806.
        row(
            "actor.organization.authorizationManagement.roles",
            ORG_READERS,
            on_organization("authorizationManagement { roles { roles { id name } } }"),
            none,
        ),
        // Reading the organization's accounts: 2803/2804.
        row(
            "actor.organization.accountManagement.managedAccounts",
            ORG_READERS,
            on_organization("accountManagement { managedAccounts { id name } }"),
            none,
        ),
        row(
            "actor.organization.accountShares",
            ORG_READERS,
            on_organization("accountShares { sharedAccounts { id } }"),
            none,
        ),
        // Domains (2901-2904) with their users (2903/2904) and groups (2905/2906).
        row(
            "actor.organization.userManagement.authenticationDomains",
            DOMAIN_READERS,
            on_organization(
                "userManagement { authenticationDomains { authenticationDomains { id name users { users { id } } groups { groups { id } } } } }",
            ),
            none,
        ),
        row(
            "actor.organization.userManagement.types",
            EVERYONE,
            on_organization("userManagement { types { id displayName } }"),
            none,
        ),
        // --- customerAdministration
        row(
            "customerAdministration.accounts",
            ORG_READERS,
            "query($o: ID!) { customerAdministration { accounts(filter: {organizationId: {eq: $o}}) { items { id } } } }",
            organization,
        ),
        row(
            "customerAdministration.accountShares",
            ORG_READERS,
            "query($a: Int!) { customerAdministration { accountShares(filter: {accountId: {eq: $a}}) { items { id } } } }",
            account,
        ),
        row(
            "customerAdministration.authenticationDomains",
            DOMAIN_READERS,
            "query($o: ID!) { customerAdministration { authenticationDomains(filter: {organizationId: {eq: $o}}) { items { id } } } }",
            organization,
        ),
        // The organization's customer id echoed back: no consumption data in AccessGraph.
        row(
            "customerAdministration.consumption",
            EVERYONE,
            "query($c: ID!) { customerAdministration { consumption(customerId: $c) { customerId } } }",
            |c| json!({"c": c.t.customer_id}),
        ),
        row("customerAdministration.contracts", EVERYONE, "{ customerAdministration { contracts { nextCursor } } }", none),
        row(
            "customerAdministration.grants",
            ORG_READERS,
            "query($o: ID!) { customerAdministration { grants(filter: {organizationId: {eq: $o}}) { items { id } } } }",
            organization,
        ),
        row(
            "customerAdministration.groups",
            GROUP_READERS,
            "query($o: ID!) { customerAdministration { groups(filter: {organizationId: {eq: $o}}) { items { id } } } }",
            organization,
        ),
        row(
            "customerAdministration.jobs.organizationCreateAsyncResults",
            EVERYONE,
            "{ customerAdministration { jobs { organizationCreateAsyncResults(filter: {}) { nextCursor } } } }",
            none,
        ),
        // Reading organization settings: 2801/2802.
        row(
            "customerAdministration.organizations",
            ORG_READERS,
            "{ customerAdministration { organizations { items { id name } } } }",
            none,
        ),
        // The capability catalog is public to the organization's users.
        row("customerAdministration.permissions", EVERYONE, "{ customerAdministration { permissions { items { id } } } }", none),
        row(
            "customerAdministration.roles",
            ORG_READERS,
            "query($o: ID!) { customerAdministration { roles(filter: {organizationId: {eq: $o}}) { items { id } } } }",
            organization,
        ),
        row("customerAdministration.user", EVERYONE, "{ customerAdministration { user { id email } } }", none),
        row(
            "customerAdministration.users",
            DOMAIN_READERS,
            "query($d: ID!) { customerAdministration { users(filter: {authenticationDomainId: {eq: $d}}) { items { id } } } }",
            |c| json!({"d": c.t.domain}),
        ),
        // Every signed-in user reads the audit trail, filtered event by event to the targets they
        // may read and redacted (issue 12, item 3; tests/audit_events.rs checks what each sees).
        row(
            "customerAdministration.auditEvents",
            EVERYONE,
            "query($o: ID!) { customerAdministration { auditEvents(filter: {organizationId: {eq: $o}}) { items { id } } } }",
            organization,
        ),
        // Explaining another user's access, and listing a capability's holders: reading users
        // (2903/2904), groups (2905/2906) and grants (2807/2808), which only the admin holds all of
        // here (issue 17; asking about oneself is tested in tests/access_explanation.rs).
        row(
            "customerAdministration.accessExplanation",
            ADMIN,
            "query($u: ID!, $a: Int) { customerAdministration { accessExplanation(userId: $u, accountId: $a, capabilityId: \"1701\") { allowed } } }",
            |c| json!({"u": c.t.member.to_string(), "a": c.t.account}),
        ),
        row(
            "customerAdministration.accessWhatIf",
            ADMIN,
            "{ customerAdministration { accessWhatIf(changes: {}) { errors { message } } } }",
            none,
        ),
        row(
            "customerAdministration.accessHolders",
            ADMIN,
            "query($a: Int) { customerAdministration { accessHolders(accountId: $a, capabilityId: \"1701\") { items { user { id } } } } }",
            |c| json!({"a": c.t.account}),
        ),
        // --- userManagement mutations: "Manage users" (2904) and "Manage groups" (2906).
        row(
            "mutation.userManagementCreateUser",
            DOMAIN_MANAGERS,
            "mutation($o: UserManagementCreateUser!) { userManagementCreateUser(createUserOptions: $o) { createdUser { id } } }",
            |c| {
                json!({"o": {"authenticationDomainId": c.t.domain, "email": format!("matrix-new-{}@example.com", c.n),
                "name": "Matrix new", "userType": "BASIC_USER_TIER"}})
            },
        ),
        row(
            "mutation.userManagementUpdateUser",
            DOMAIN_MANAGERS,
            "mutation($o: UserManagementUpdateUser!) { userManagementUpdateUser(updateUserOptions: $o) { user { id } } }",
            |c| json!({"o": {"id": c.f["user"], "name": format!("Renamed {}", c.n)}}),
        )
        .fresh(Fresh::User),
        row(
            "mutation.userManagementDeleteUser",
            DOMAIN_MANAGERS,
            "mutation($o: UserManagementDeleteUser!) { userManagementDeleteUser(deleteUserOptions: $o) { deletedUser { id } } }",
            |c| json!({"o": {"id": c.f["user"]}}),
        )
        .fresh(Fresh::User),
        row(
            "mutation.userManagementCreateGroup",
            DOMAIN_MANAGERS,
            "mutation($o: UserManagementCreateGroup) { userManagementCreateGroup(createGroupOptions: $o) { group { id } } }",
            |c| json!({"o": {"authenticationDomainId": c.t.domain, "displayName": format!("Matrix group {}", c.n)}}),
        ),
        row(
            "mutation.userManagementUpdateGroup",
            DOMAIN_MANAGERS,
            "mutation($o: UserManagementUpdateGroup) { userManagementUpdateGroup(updateGroupOptions: $o) { group { id } } }",
            |c| json!({"o": {"id": c.t.group, "displayName": format!("Renamed group {}", c.n)}}),
        ),
        row(
            "mutation.userManagementDeleteGroup",
            DOMAIN_MANAGERS,
            "mutation($o: UserManagementDeleteGroup) { userManagementDeleteGroup(groupOptions: $o) { group { id } } }",
            |c| json!({"o": {"id": c.f["group"]}}),
        )
        .fresh(Fresh::Group),
        row(
            "mutation.userManagementAddUsersToGroups",
            DOMAIN_MANAGERS,
            "mutation($o: UserManagementUsersGroupsInput) { userManagementAddUsersToGroups(addUsersToGroupsOptions: $o) { groups { id } } }",
            |c| json!({"o": {"groupIds": [c.f["group"]], "userIds": [c.f["user"]]}}),
        )
        .fresh(Fresh::UserAndGroup),
        row(
            "mutation.userManagementRemoveUsersFromGroups",
            DOMAIN_MANAGERS,
            "mutation($o: UserManagementUsersGroupsInput!) { userManagementRemoveUsersFromGroups(removeUsersFromGroupsOptions: $o) { groups { id } } }",
            |c| json!({"o": {"groupIds": [c.f["group"]], "userIds": [c.f["user"]]}}),
        )
        .fresh(Fresh::Membership),
        // --- Grants: "Manage access grants" (2808). The role granted (Organization read only)
        // is within the Organization manager's own access.
        row(
            "mutation.authorizationManagementGrantAccess",
            ORG_MANAGERS,
            "mutation($o: AuthorizationManagementGrantAccess) { authorizationManagementGrantAccess(grantAccessOptions: $o) { roles { id } } }",
            |c| {
                json!({"o": {"groupId": c.f["group"],
                "organizationAccessGrants": [{"roleId": c.t.organization_read_only.to_string()}]}})
            },
        )
        .fresh(Fresh::Group),
        row(
            "mutation.authorizationManagementRevokeAccess",
            ORG_MANAGERS,
            "mutation($o: AuthorizationManagementRevokeAccess) { authorizationManagementRevokeAccess(revokeAccessOptions: $o) { roles { id } } }",
            |c| {
                json!({"o": {"groupId": c.f["group"],
                "organizationAccessGrants": [{"roleId": c.t.organization_read_only.to_string()}]}})
            },
        )
        .fresh(Fresh::OrganizationGrant),
        // --- Custom roles: "Manage custom roles" (2806).
        row(
            "mutation.customRoleCreate",
            ORG_MANAGERS,
            r#"mutation($c: CustomRoleContainerInput!, $n: String!) { customRoleCreate(container: $c, name: $n, permissionIds: [1701], scope: "ACCOUNT") { id } }"#,
            |c| json!({"c": {"id": c.t.organization, "type": "ORGANIZATION"}, "n": format!("Matrix role {}", c.n)}),
        ),
        row(
            "mutation.customRoleUpdate",
            ORG_MANAGERS,
            "mutation($id: Int!, $n: String) { customRoleUpdate(id: $id, name: $n) { id } }",
            |c| json!({"id": c.t.role, "n": format!("Renamed role {}", c.n)}),
        ),
        row("mutation.customRoleDelete", ORG_MANAGERS, "mutation($id: Int!) { customRoleDelete(id: $id) { id } }", |c| {
            json!({"id": c.f["role"]})
        })
        .fresh(Fresh::CustomRole),
        // --- Authentication domains: "Manage authentication domains" (2902).
        row(
            "mutation.authenticationDomainCreate",
            DOMAIN_MANAGERS,
            "mutation($n: String!) { authenticationDomainCreate(name: $n, authenticationType: PASSWORD, provisioningType: MANUAL) { id } }",
            |c| json!({"n": format!("Matrix domain {}", c.n)}),
        ),
        row(
            "mutation.authenticationDomainDelete",
            DOMAIN_MANAGERS,
            "mutation($id: ID!) { authenticationDomainDelete(id: $id) { id } }",
            |c| json!({"id": c.f["domain"]}),
        )
        .fresh(Fresh::Domain),
        row(
            "mutation.authenticationDomainGenerateScimToken",
            DOMAIN_MANAGERS,
            "mutation($id: ID!) { authenticationDomainGenerateScimToken(id: $id) { token } }",
            |c| json!({"id": c.t.scim_domain}),
        ),
        // --- Accounts: "Manage organization accounts" (2804).
        row(
            "mutation.accountManagementCreateAccount",
            ORG_MANAGERS,
            "mutation($m: AccountManagementCreateInput!) { accountManagementCreateAccount(managedAccount: $m) { managedAccount { id } } }",
            |c| json!({"m": {"name": format!("Matrix account {}", c.n)}}),
        ),
        row(
            "mutation.accountManagementUpdateAccount",
            ORG_MANAGERS,
            "mutation($m: AccountManagementUpdateInput!) { accountManagementUpdateAccount(managedAccount: $m) { managedAccount { id } } }",
            |c| json!({"m": {"id": c.t.renamed_account, "name": format!("Renamed account {}", c.n)}}),
        ),
        row(
            "mutation.accountManagementCancelAccount",
            ORG_MANAGERS,
            "mutation($id: Int!) { accountManagementCancelAccount(id: $id) { id isCanceled } }",
            |c| json!({"id": c.f["account"]}),
        )
        .fresh(Fresh::Account),
        // "Modify organization settings" (2802); refusals are payload errors NOT_AUTHORIZED.
        row(
            "mutation.organizationUpdate",
            ORG_MANAGERS,
            "mutation($o: OrganizationUpdateInput!) { organizationUpdate(organization: $o) { errors { message type } organizationInformation { id name } } }",
            |c| json!({"o": {"name": format!("Test Organization {}", c.n)}}),
        ),
        // --- Synthetics permission system: "Manage synthetics permissions" (1510).
        row(
            "mutation.syntheticsEnablePermissions",
            SYNTHETICS_ADMINS,
            "mutation($a: Int!) { syntheticsEnablePermissions(accountId: $a) { accountId enabled errors { description type } } }",
            account,
        )
        .reset_permissions(),
        row(
            "mutation.syntheticsDisablePermissions",
            SYNTHETICS_ADMINS,
            "mutation($a: Int!) { syntheticsDisablePermissions(accountId: $a) { accountId enabled errors { description type } } }",
            account,
        )
        .fresh(Fresh::PermissionsOn)
        .reset_permissions(),
        row(
            "mutation.syntheticsCreatePermissionGroup",
            SYNTHETICS_ADMINS,
            format!("mutation($a: Int!, $n: String!) {{ syntheticsCreatePermissionGroup(accountId: $a, name: $n) {{ {PERMISSION_GROUP} }} }}"),
            |c| json!({"a": c.t.account, "n": format!("Matrix permission group {}", c.n)}),
        ),
        row(
            "mutation.syntheticsUpdatePermissionGroup",
            SYNTHETICS_ADMINS,
            format!("mutation($id: ID!, $n: String!) {{ syntheticsUpdatePermissionGroup(id: $id, name: $n) {{ {PERMISSION_GROUP} }} }}"),
            |c| json!({"id": c.t.permission_group, "n": format!("Renamed permission group {}", c.n)}),
        ),
        row(
            "mutation.syntheticsDeletePermissionGroup",
            SYNTHETICS_ADMINS,
            format!("mutation($id: ID!) {{ syntheticsDeletePermissionGroup(id: $id) {{ {PERMISSION_GROUP} }} }}"),
            |c| json!({"id": c.f["group"]}),
        )
        .fresh(Fresh::PermissionGroup),
        row(
            "mutation.syntheticsAddPermissionGroupMembers",
            SYNTHETICS_ADMINS,
            format!("mutation($id: ID!, $u: [Int!]) {{ syntheticsAddPermissionGroupMembers(id: $id, userIds: $u) {{ {PERMISSION_GROUP} }} }}"),
            |c| json!({"id": c.f["group"], "u": [c.t.member]}),
        )
        .fresh(Fresh::PermissionGroup),
        row(
            "mutation.syntheticsRemovePermissionGroupMembers",
            SYNTHETICS_ADMINS,
            format!("mutation($id: ID!, $u: [Int!]!) {{ syntheticsRemovePermissionGroupMembers(id: $id, userIds: $u) {{ {PERMISSION_GROUP} }} }}"),
            |c| json!({"id": c.f["group"], "u": [c.t.member]}),
        )
        .fresh(Fresh::PermissionGroupWithMember),
        row(
            "mutation.syntheticsSetPermissionGroupRule",
            SYNTHETICS_ADMINS,
            format!("mutation($id: ID!) {{ syntheticsSetPermissionGroupRule(id: $id, rule: {{entityType: MONITORS, access: VIEW}}) {{ {PERMISSION_GROUP} }} }}"),
            |c| json!({"id": c.t.permission_group}),
        ),
        row(
            "mutation.syntheticsRemovePermissionGroupRule",
            SYNTHETICS_ADMINS,
            format!("mutation($id: ID!) {{ syntheticsRemovePermissionGroupRule(id: $id, entityType: MONITORS) {{ {PERMISSION_GROUP} }} }}"),
            |c| json!({"id": c.f["group"]}),
        )
        .fresh(Fresh::PermissionGroupWithRule),
        // --- API keys of another user, the admin: only someone holding everything the admin
        // holds (nobody else here). Today "Manage user keys of other users" (2403) suffices.
        row(
            "mutation.apiAccessCreateKeys",
            ADMIN,
            format!("mutation($k: ApiAccessCreateInput!) {{ apiAccessCreateKeys(keys: $k) {{ createdKeys {{ id }} {KEY_ERRORS} }} }}"),
            |c| json!({"k": {"user": [{"accountId": c.t.account, "userId": c.t.admin_user, "name": format!("Matrix {}", c.n)}]}}),
        )
        // fixed by the delegation rule
        .delegation(),
        row(
            "mutation.apiAccessUpdateKeys",
            ADMIN,
            format!("mutation($k: ApiAccessUpdateInput!) {{ apiAccessUpdateKeys(keys: $k) {{ updatedKeys {{ id }} {KEY_ERRORS} }} }}"),
            |c| json!({"k": {"user": [{"keyId": c.t.admin_key, "name": format!("Admin key {}", c.n)}]}}),
        )
        // fixed by the delegation rule
        .delegation(),
        row(
            "mutation.apiAccessDeleteKeys",
            ADMIN,
            format!("mutation($k: ApiAccessDeleteInput!) {{ apiAccessDeleteKeys(keys: $k) {{ deletedKeys {{ id }} {KEY_ERRORS} }} }}"),
            |c| json!({"k": {"userKeyIds": [c.f["key"]]}}),
        )
        .fresh(Fresh::AdminKey)
        // fixed by the delegation rule
        .delegation(),
        // --- Private locations: Modify (1505) / Delete (1506) synthetics private locations.
        row(
            "mutation.syntheticsCreatePrivateLocation",
            SYNTHETICS_ADMINS,
            "mutation($a: Int!, $n: String!) { syntheticsCreatePrivateLocation(accountId: $a, name: $n, verifiedScriptExecution: false) { errors { description type } guid } }",
            |c| json!({"a": c.t.account, "n": format!("Matrix location {}", c.n)}),
        ),
        row(
            "mutation.syntheticsUpdatePrivateLocation",
            SYNTHETICS_ADMINS,
            r#"mutation($g: EntityGuid!) { syntheticsUpdatePrivateLocation(guid: $g, description: "changed") { errors { description type } guid } }"#,
            |c| json!({"g": c.t.location}),
        ),
        row(
            "mutation.syntheticsDeletePrivateLocation",
            SYNTHETICS_ADMINS,
            "mutation($g: EntityGuid!) { syntheticsDeletePrivateLocation(guid: $g) { errors { description type } } }",
            |c| json!({"g": c.f["guid"]}),
        )
        .fresh(Fresh::Location),
        row(
            "mutation.syntheticsPurgePrivateLocationQueue",
            SYNTHETICS_ADMINS,
            "mutation($g: EntityGuid!) { syntheticsPurgePrivateLocationQueue(guid: $g) { errors { description type } } }",
            |c| json!({"g": c.t.location}),
        ),
        // --- Secure credentials: Modify (1508) / Delete (1509) synthetics secure credentials.
        row(
            "mutation.syntheticsCreateSecureCredential",
            SYNTHETICS_ADMINS,
            r#"mutation($a: Int!, $k: String!) { syntheticsCreateSecureCredential(accountId: $a, key: $k, value: "s3cret") { errors { description } key } }"#,
            |c| json!({"a": c.t.account, "k": format!("MATRIX_NEW_{}", c.n)}),
        ),
        row(
            "mutation.syntheticsUpdateSecureCredential",
            SYNTHETICS_ADMINS,
            r#"mutation($a: Int!, $k: String!) { syntheticsUpdateSecureCredential(accountId: $a, key: $k, description: "changed") { errors { description } key } }"#,
            |c| json!({"a": c.t.account, "k": c.t.credential}),
        ),
        row(
            "mutation.syntheticsDeleteSecureCredential",
            SYNTHETICS_ADMINS,
            "mutation($a: Int!, $k: String!) { syntheticsDeleteSecureCredential(accountId: $a, key: $k) { errors { description } key } }",
            |c| json!({"a": c.t.account, "k": c.f["key"]}),
        )
        .fresh(Fresh::Credential),
        // --- Monitors: Delete synthetic monitors (1503).
        row(
            "mutation.syntheticsDeleteMonitor",
            SYNTHETICS_ADMINS,
            "mutation($g: EntityGuid!) { syntheticsDeleteMonitor(guid: $g) { deletedGuid } }",
            |c| json!({"g": c.f["guid"]}),
        )
        .fresh(Fresh::Monitor),
    ];
    monitor_rows(&mut rows);
    // --- The original (v1) user model of the primary account. Reading: "Read v1 users" (2701) or
    // "Manage v1 users" (2702): the Owner (the bootstrap admin) and the Manage v1 users role.
    // Changing users: 2702, and what the target gains or loses within the actor's access (a
    // Restricted BASIC user holds the basic set, which the Manage v1 users role lacks): the Owner
    // only. Add-on roles that nobody holds carry nothing: 2702 suffices. The ownership transfer:
    // the Owner only (last, as it makes another user Owner; the admin stays an Admin).
    rows.push(row(
        "actor.account.originalUserModel",
        ADMIN | MANAGE_V1_USERS,
        on_account(
            "originalUserModel { users { users { id email role addOnRoles { id } inherited receivesNotifications } nextCursor } owner { id email } addOnRoles { id name product capabilityIds } usersCsv }",
        ),
        account,
    ));
    rows.push(row(
        "mutation.originalUserModelAddUser",
        ADMIN,
        format!("mutation($a: Int!, $u: OriginalUserModelUserInput!) {{ originalUserModelAddUser(accountId: $a, user: $u) {{ user {{ id }} {V1_ERRORS} }} }}"),
        |c| json!({"a": c.t.account, "u": {"email": format!("v1-added-{}@example.com", c.n), "name": "Added", "role": "RESTRICTED"}}),
    ));
    // A bulk ADD of one Restricted BASIC user: like the single add (the basic set it gives is
    // within the Owner's access only).
    rows.push(row(
        "mutation.originalUserModelBulkUserAction",
        ADMIN,
        format!("mutation($a: Int!, $csv: String!) {{ originalUserModelBulkUserAction(accountId: $a, action: ADD, csv: $csv) {{ applied rows {{ line email status message }} {V1_ERRORS} }} }}"),
        |c| json!({"a": c.t.account, "csv": format!("Email,Name,Type,Base role\nv1-bulk-{}@example.com,Bulk,basic,restricted\n", c.n)}),
    ));
    rows.push(
        row(
            "mutation.originalUserModelUpdateUser",
            ADMIN,
            format!("mutation($a: Int!, $id: ID!) {{ originalUserModelUpdateUser(accountId: $a, userId: $id, role: USER) {{ user {{ id }} {V1_ERRORS} }} }}"),
            |c| json!({"a": c.t.account, "id": c.f["user"]}),
        )
        .fresh(Fresh::V1User),
    );
    rows.push(
        row(
            "mutation.originalUserModelRemoveUser",
            ADMIN,
            format!("mutation($a: Int!, $id: ID!) {{ originalUserModelRemoveUser(accountId: $a, userId: $id) {{ removedUserId {V1_ERRORS} }} }}"),
            |c| json!({"a": c.t.account, "id": c.f["user"]}),
        )
        .fresh(Fresh::V1User),
    );
    rows.push(row(
        "mutation.originalUserModelCreateAddOnRole",
        ADMIN | MANAGE_V1_USERS,
        format!("mutation($a: Int!, $n: String!) {{ originalUserModelCreateAddOnRole(accountId: $a, name: $n, capabilityIds: [1701]) {{ addOnRole {{ id }} {V1_ERRORS} }} }}"),
        |c| json!({"a": c.t.account, "n": format!("Matrix add-on role {}", c.n)}),
    ));
    rows.push(
        row(
            "mutation.originalUserModelUpdateAddOnRole",
            ADMIN | MANAGE_V1_USERS,
            format!("mutation($a: Int!, $id: ID!, $n: String) {{ originalUserModelUpdateAddOnRole(accountId: $a, addOnRoleId: $id, name: $n) {{ addOnRole {{ id }} {V1_ERRORS} }} }}"),
            |c| json!({"a": c.t.account, "id": c.f["role"], "n": format!("Renamed add-on role {}", c.n)}),
        )
        .fresh(Fresh::V1AddOnRole),
    );
    rows.push(
        row(
            "mutation.originalUserModelDeleteAddOnRole",
            ADMIN | MANAGE_V1_USERS,
            format!("mutation($a: Int!, $id: ID!) {{ originalUserModelDeleteAddOnRole(accountId: $a, addOnRoleId: $id) {{ addOnRole {{ id }} {V1_ERRORS} }} }}"),
            |c| json!({"a": c.t.account, "id": c.f["role"]}),
        )
        .fresh(Fresh::V1AddOnRole),
    );
    rows.push(
        row(
            "mutation.originalUserModelTransferOwnership",
            ADMIN,
            format!("mutation($id: ID!) {{ originalUserModelTransferOwnership(newOwnerUserId: $id) {{ owner {{ id }} {V1_ERRORS} }} }}"),
            |c| json!({"id": c.f["user"]}),
        )
        .fresh(Fresh::User),
    );
    rows
}

/// The payload errors of the `originalUserModel*` mutations.
const V1_ERRORS: &str = "errors { message type }";

fn monitor_rows(rows: &mut Vec<Row>) {
    // Creating a monitor needs Edit on all monitors, changing one Edit on it: "Modify synthetic
    // monitors" (1502) with the permission system off.
    for (kind, create, update) in MONITOR_KINDS {
        rows.push(row(
            create,
            MONITOR_EDITORS,
            create_monitor_doc(kind),
            |c| json!({"a": c.t.account, "m": monitor_input(monitor_kind(c.op), c.n)}),
        ));
        rows.push(row(
            update,
            MONITOR_EDITORS,
            update_monitor_doc(kind),
            |c| json!({"g": c.t.monitors[monitor_kind(c.op)], "m": {"name": format!("Renamed {}", c.n)}}),
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// Outcomes

#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Denied(String),
    /// No error, and the operation's value is null.
    Null,
    /// Some other error (input, conflict, ...): the cell did not test what it should.
    Other(String),
    /// HTTP 5xx or INTERNAL_SERVER_ERROR.
    Internal(String),
}

/// NerdGraph's text for a refusal, the only sign of one in payload errors without a type.
const NOT_AUTHORIZED: &str = "You are not authorized to perform this action";

const DENIALS: &[&str] = &["FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED", "UNAUTHORIZED", "NOT_AUTHORIZED"];

/// The errors of every payload `errors` list in `data`, as (class, message).
fn payload_errors(value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "errors"
                    && let Value::Array(items) = child
                {
                    for item in items {
                        let message = item.get("message").or_else(|| item.get("description")).and_then(Value::as_str);
                        let message = message.unwrap_or_default();
                        let class = match item.get("errorType").or_else(|| item.get("type")).and_then(Value::as_str) {
                            Some(class) => class,
                            // NerdGraph's `SyntheticsError` has a description only.
                            None if message.starts_with(NOT_AUTHORIZED) => "FORBIDDEN",
                            None => "(no type)",
                        };
                        out.push((class.to_owned(), message.to_owned()));
                    }
                } else {
                    payload_errors(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| payload_errors(item, out)),
        _ => {}
    }
}

fn classify(op: &str, status: StatusCode, body: &Value) -> Outcome {
    if status.is_server_error() {
        return Outcome::Internal(format!("HTTP {status}: {body}"));
    }
    let mut errors: Vec<(String, String)> = Vec::new();
    if let Some(Value::Array(items)) = body.get("errors") {
        for item in items {
            let class = item["extensions"]["errorClass"].as_str().unwrap_or("(no errorClass)");
            errors.push((class.to_owned(), item["message"].as_str().unwrap_or_default().to_owned()));
        }
    }
    payload_errors(&body["data"], &mut errors);
    if let Some((class, message)) = errors.iter().find(|(class, _)| class == "INTERNAL_SERVER_ERROR") {
        return Outcome::Internal(format!("{class}: {message}"));
    }
    if status != StatusCode::OK {
        return Outcome::Other(format!("HTTP {status}: {body}"));
    }
    if let Some((class, message)) = errors.iter().find(|(class, _)| DENIALS.contains(&class.as_str())) {
        return Outcome::Denied(format!("{class}: {message}"));
    }
    if let Some((class, message)) = errors.first() {
        return Outcome::Other(format!("{class}: {message}"));
    }
    let path = op.strip_prefix("mutation.").unwrap_or(op);
    let leaf = path.split('.').fold(&body["data"], |value, field| &value[field]);
    if leaf.is_null() { Outcome::Null } else { Outcome::Allowed }
}

/// One cell's verdict as the grid shows it.
fn verdict(row: &Row, who: Who, outcome: &Outcome) -> (char, bool) {
    let expected_allowed = row.allowed & who != 0;
    let pending = row.delegation && !DELEGATION_RULE_LANDED && OTHER_USERS_KEY_MANAGERS & who != 0 && !expected_allowed;
    match outcome {
        Outcome::Internal(_) => ('!', false),
        _ if pending => ('~', true),
        Outcome::Allowed if expected_allowed => ('+', true),
        Outcome::Null if expected_allowed && row.null_ok => ('+', true),
        Outcome::Denied(_) if !expected_allowed => ('-', true),
        Outcome::Allowed | Outcome::Null => ('A', false),
        Outcome::Denied(_) => ('D', false),
        Outcome::Other(_) => ('?', false),
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

struct Principal {
    who: Who,
    key: String,
}

/// A user key of `user` on `account`: (plaintext, key id).
async fn key_for(app: &TestApp, user: i64, account: i32) -> (String, String) {
    app.create_key_on(user, account).await
}

/// A FULL user in a group of their own granted the standard `role` (on `account`, or on the
/// organization for `None`).
async fn role_holder(app: &TestApp, who: &str, role: &str, account: Option<i32>) -> String {
    let user = app.create_user(&format!("{who}@example.com"), UserType::Full).await;
    let group = app.create_group(&format!("Matrix {who}")).await;
    app.add_member(&group, user).await;
    app.grant(&group, role, account).await;
    key_for(app, user, app.primary_account_id).await.0
}

async fn principals(app: &TestApp) -> Vec<Principal> {
    let primary = Some(app.primary_account_id);
    let mut keys: Vec<(Who, String)> = vec![(ADMIN, ADMIN_KEY.to_owned())];
    for (who, role, on) in [
        (ALL_PRODUCT_ADMIN, "all_product_admin", primary),
        (STANDARD_USER, "standard_user", primary),
        (READ_ONLY, "read_only", primary),
        (BILLING_USER, "billing_user", primary),
        (MANAGE_V1_USERS, "manage_v1_users", primary),
        (ORG_MANAGER, "organization_manager", None),
        (ORG_READ_ONLY, "organization_read_only", None),
        (DOMAIN_MANAGER, "authentication_domain_manager", None),
        (DOMAIN_READ_ONLY, "authentication_domain_read_only", None),
    ] {
        keys.push((who, role_holder(app, role, role, on).await));
    }
    let user_group = app.group_id("User").await;
    for (who, name, user_type) in
        [(BASIC, "basic", UserType::Basic), (CORE, "core", UserType::Core), (FULL, "full", UserType::Full)]
    {
        let user = app.create_user(&format!("{name}@example.com"), user_type).await;
        app.add_member(&user_group, user).await;
        keys.push((who, key_for(app, user, app.primary_account_id).await.0));
    }

    // "Read synthetic monitors", "Modify synthetic monitors", "View synthetics secure
    // credentials", "Read ingest keys": selectable account capabilities.
    let role = app.create_custom_role(&app.organization_id, "Matrix custom", Scope::Account).await;
    for capability in [1501, 1502, 1507, 2401] {
        app.grant_capability(role, capability).await;
    }
    let user = app.create_user("custom@example.com", UserType::Full).await;
    let group = app.create_group("Matrix custom").await;
    app.add_member(&group, user).await;
    entity::access_grant::ActiveModel {
        group_id: Set(group),
        role_id: Set(role),
        account_id: Set(primary),
        organization_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("grant the custom role");
    keys.push((CUSTOM, key_for(app, user, app.primary_account_id).await.0));

    let other_domain = app
        .create_domain_in(
            &app.organization_id,
            "Matrix other domain",
            AuthenticationType::Password,
            ProvisioningType::Manual,
        )
        .await;
    let user = app.create_user_in(&other_domain, "other-domain@example.com", UserType::Full).await;
    keys.push((OTHER_DOMAIN, key_for(app, user, app.primary_account_id).await.0));

    let other_account = app.create_account("Matrix other account").await;
    let user = app.create_user("other-account@example.com", UserType::Full).await;
    let group = app.create_group("Matrix other account").await;
    app.add_member(&group, user).await;
    app.grant(&group, "all_product_admin", Some(other_account)).await;
    keys.push((OTHER_ACCOUNT, key_for(app, user, other_account).await.0));

    let user = app.create_user("no-grants@example.com", UserType::Full).await;
    keys.push((NO_GRANTS, key_for(app, user, app.primary_account_id).await.0));

    assert_eq!(keys.len(), PRINCIPALS.len());
    keys.into_iter().map(|(who, key)| Principal { who, key }).collect()
}

/// Runs `doc` as the admin and asserts it succeeded.
async fn as_admin(app: &TestApp, doc: &str, variables: Value) -> Value {
    let (status, body) = app.graphql_as(Some(ADMIN_KEY), doc, variables).await;
    let outcome = classify("", status, &body);
    assert!(matches!(outcome, Outcome::Allowed | Outcome::Null), "set-up as the admin failed: {doc}: {body}");
    body
}

async fn targets(app: &TestApp) -> Targets {
    let domain = app.default_domain_id().await;
    let customer_id = organization::Entity::find_by_id(&app.organization_id)
        .one(&app.db)
        .await
        .expect("query")
        .expect("organization")
        .customer_id;
    let admin_key = api_key::Entity::find()
        .filter(api_key::Column::UserId.eq(app.admin_user_id))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the admin's key")
        .id;
    let member = app.create_user("member@example.com", UserType::Basic).await;
    app.add_member(&app.group_id("User").await, member).await;
    let mut monitors = BTreeMap::new();
    for (kind, _, _) in MONITOR_KINDS {
        let body =
            as_admin(app, &create_monitor_doc(kind), json!({"a": app.primary_account_id, "m": monitor_input(kind, 0)}))
                .await;
        let guid = body["data"][format!("syntheticsCreate{kind}Monitor")]["monitor"]["guid"].as_str().expect("guid");
        monitors.insert(kind, guid.to_owned());
    }
    let permission_group = permission_group(app, "Matrix permission group").await;
    let credential = "MATRIX_CREDENTIAL".to_owned();
    as_admin(
        app,
        r#"mutation($a: Int!, $k: String!) { syntheticsCreateSecureCredential(accountId: $a, key: $k, value: "s3cret") { key } }"#,
        json!({"a": app.primary_account_id, "k": credential}),
    )
    .await;
    Targets {
        account: app.primary_account_id,
        organization: app.organization_id.clone(),
        customer_id,
        group: app.create_group("Matrix renamed group").await,
        role: app.create_custom_role(&app.organization_id, "Matrix renamed role", Scope::Account).await,
        organization_read_only: app.standard_role_id("organization_read_only").await,
        renamed_account: app.create_account("Matrix renamed account").await,
        domain,
        scim_domain: app.create_scim_domain("Matrix SCIM domain").await,
        member,
        admin_user: app.admin_user_id,
        admin_key,
        permission_group,
        location: location(app, "Matrix location").await,
        credential,
        monitors,
    }
}

async fn permission_group(app: &TestApp, name: &str) -> String {
    synthetics_permission_group::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        account_id: Set(app.primary_account_id),
        name: Set(name.into()),
        created_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .expect("insert permission group")
    .id
}

async fn location(app: &TestApp, name: &str) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let guid = guid::encode(app.primary_account_id, GuidKind::PrivateLocation, &id);
    synthetics_private_location::ActiveModel {
        id: Set(id),
        account_id: Set(app.primary_account_id),
        guid: Set(guid.clone()),
        name: Set(name.into()),
        description: Set(String::new()),
        verified_script_execution: Set(false),
        shared: Set(false),
        key_hash: Set("0".repeat(64)),
        job_queue_size: Set(3),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .expect("insert private location");
    guid
}

const ENABLE: &str =
    "mutation($a: Int!) { syntheticsEnablePermissions(accountId: $a) { enabled errors { description type } } }";
const DISABLE: &str =
    "mutation($a: Int!) { syntheticsDisablePermissions(accountId: $a) { enabled errors { description type } } }";

/// Makes the cell's fresh target.
async fn make_fresh(app: &TestApp, t: &Targets, fresh: Fresh, n: usize) -> Value {
    let user = || {
        let email = format!("target-{n}@example.com");
        async move { app.create_user(&email, UserType::Basic).await }
    };
    match fresh {
        Fresh::None => Value::Null,
        Fresh::User => json!({"user": user().await.to_string()}),
        Fresh::Group => json!({"group": app.create_group(&format!("Target group {n}")).await}),
        Fresh::UserAndGroup => {
            json!({"user": user().await.to_string(), "group": app.create_group(&format!("Target group {n}")).await})
        }
        Fresh::Membership => {
            let (user, group) = (user().await, app.create_group(&format!("Target group {n}")).await);
            app.add_member(&group, user).await;
            json!({"user": user.to_string(), "group": group})
        }
        Fresh::OrganizationGrant => {
            let group = app.create_group(&format!("Target group {n}")).await;
            app.grant(&group, "organization_read_only", None).await;
            json!({"group": group})
        }
        Fresh::CustomRole => {
            json!({"role": app.create_custom_role(&app.organization_id, &format!("Target role {n}"), Scope::Account).await})
        }
        Fresh::Domain => {
            let domain = app
                .create_domain_in(
                    &app.organization_id,
                    &format!("Target domain {n}"),
                    AuthenticationType::Password,
                    ProvisioningType::Manual,
                )
                .await;
            json!({"domain": domain})
        }
        Fresh::Account => json!({"account": app.create_account(&format!("Target account {n}")).await}),
        Fresh::AdminKey => json!({"key": key_for(app, app.admin_user_id, app.primary_account_id).await.1}),
        Fresh::PermissionGroup => json!({"group": permission_group(app, &format!("Target group {n}")).await}),
        Fresh::PermissionGroupWithMember => {
            let group = permission_group(app, &format!("Target group {n}")).await;
            synthetics_permission_group_member::ActiveModel {
                group_id: Set(group.clone()),
                user_id: Set(t.member),
                created_at: Set(Utc::now()),
            }
            .insert(&app.db)
            .await
            .expect("insert member");
            json!({"group": group})
        }
        Fresh::PermissionGroupWithRule => {
            let group = permission_group(app, &format!("Target group {n}")).await;
            synthetics_permission_rule::ActiveModel {
                group_id: Set(group.clone()),
                entity_kind: Set(SyntheticsEntityKind::Monitor),
                target: Set(synthetics_permission_rule::ALL.into()),
                can_view: Set(true),
                can_edit: Set(false),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .expect("insert rule");
            json!({"group": group})
        }
        Fresh::Location => json!({"guid": location(app, &format!("Target location {n}")).await}),
        Fresh::Credential => {
            let key = format!("TARGET_{n}");
            as_admin(
                app,
                r#"mutation($a: Int!, $k: String!) { syntheticsCreateSecureCredential(accountId: $a, key: $k, value: "s3cret") { key } }"#,
                json!({"a": t.account, "k": key}),
            )
            .await;
            json!({"key": key})
        }
        Fresh::Monitor => json!({"guid": app.insert_monitor(t.account, &format!("Target monitor {n}")).await}),
        Fresh::PermissionsOn => {
            as_admin(app, ENABLE, json!({"a": t.account})).await;
            Value::Null
        }
        Fresh::V1User => {
            let user = app.create_user(&format!("v1-target-{n}@example.com"), UserType::Full).await;
            entity::original_membership::ActiveModel {
                user_id: Set(user),
                account_id: Set(t.account),
                base_role: Set(entity::enums::OriginalBaseRole::Restricted),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .expect("insert v1 membership");
            app.access_changed().await;
            json!({"user": user.to_string()})
        }
        Fresh::V1AddOnRole => {
            let role = entity::original_add_on_role::ActiveModel {
                account_id: Set(t.account),
                name: Set(format!("Target add-on role {n}")),
                product: Set(None),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .expect("insert add-on role");
            json!({"role": role.id.to_string()})
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The matrix

struct Failure {
    op: &'static str,
    who: &'static str,
    expected: &'static str,
    outcome: Outcome,
}

async fn run_matrix(app: &TestApp) {
    let principals = principals(app).await;
    let t = targets(app).await;
    let rows = table();
    let mut grid: Vec<(&'static str, String, bool)> = Vec::new();
    let mut failures: Vec<Failure> = Vec::new();
    let mut n = 1;
    for row in &rows {
        let mut line = String::new();
        let mut row_ok = true;
        for principal in &principals {
            n += 1;
            let f = make_fresh(app, &t, row.fresh, n).await;
            let cell = Cell { op: row.op, t: &t, f, n };
            let (status, body) = app.graphql_as(Some(&principal.key), &row.doc, (row.vars)(&cell)).await;
            let outcome = classify(row.op, status, &body);
            let (mark, ok) = verdict(row, principal.who, &outcome);
            line.push_str(&format!("{mark:>4}"));
            if !ok {
                row_ok = false;
                let (_, short, _) = PRINCIPALS.iter().find(|(w, _, _)| *w == principal.who).expect("principal");
                let expected = if row.allowed & principal.who != 0 { "allowed" } else { "denied" };
                failures.push(Failure { op: row.op, who: short, expected, outcome });
            }
            if row.reset_permissions {
                as_admin(app, DISABLE, json!({"a": t.account})).await;
            }
        }
        grid.push((row.op, line, row_ok));
    }
    if !failures.is_empty() || std::env::var_os("MATRIX_GRID").is_some() {
        let width = rows.iter().map(|r| r.op.len()).max().unwrap_or(0);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nAuthorization matrix ({:?}): + allowed, - denied as expected; A unexpected allow, D unexpected denial, ? other error, ! 5xx/INTERNAL_SERVER_ERROR, ~ awaiting the delegation rule",
            app.backend
        );
        let header: String = PRINCIPALS.iter().map(|(_, short, _)| format!("{short:>4}")).collect();
        let _ = writeln!(out, "  {:width$}{header}", "");
        for (op, line, ok) in &grid {
            let _ = writeln!(out, "{} {op:width$}{line}", if *ok { ' ' } else { '*' });
        }
        let _ = writeln!(out, "\nPrincipals:");
        for (_, short, long) in PRINCIPALS {
            let _ = writeln!(out, "  {short:>4}: {long}");
        }
        let _ = writeln!(out, "\nFailing cells:");
        for failure in &failures {
            let _ = writeln!(
                out,
                "  {} as {}: expected {}, got {:?}",
                failure.op, failure.who, failure.expected, failure.outcome
            );
        }
        eprintln!("{out}");
    }
    if !failures.is_empty() {
        panic!("{} authorization matrix cell(s) failed (see the grid above)", failures.len());
    }
}

backend_test!(every_operation_as_every_principal, |app| {
    run_matrix(&app).await;
});
