//! Wire compatibility: every type AccessGraph serves under a NerdGraph name has NerdGraph's shape.
//!
//! `tests/contract/nerdgraph-subset.graphql` is the stripped NerdGraph SDL (from real introspection,
//! see its header) that AccessGraph is compatible with. For every object, interface, input and enum
//! type the two schemas share, each field AccessGraph serves must exist in NerdGraph with the same
//! type and the same arguments; inputs and enums must have exactly NerdGraph's fields and values.
//! AccessGraph may serve fewer output fields than NerdGraph (not built yet), never different ones.
//! The only additions are the AccessGraph-only output fields and optional input fields listed in
//! [`ACCESSGRAPH_ONLY`], each named here on purpose: NerdGraph clients never select or send them,
//! so they cannot break one.

use std::collections::BTreeMap;

use async_graphql_parser::parse_schema;
use async_graphql_parser::types::{TypeKind, TypeSystemDefinition};

/// Output fields (and optional input fields) AccessGraph adds to NerdGraph types, as `Type.field`.
/// Allowed only where NerdGraph has no member of that name.
const ACCESSGRAPH_ONLY: &[&str] = &[
    // A child account's parent, on creation.
    "AccountManagementCreateInput.parentId",
    // The audit trail, read like NerdGraph's customer administration lists.
    "CustomerAdministration.auditEvents",
    // Explaining access, its holders and what-if previews (README, "Explaining access").
    "CustomerAdministration.accessExplanation",
    "CustomerAdministration.accessHolders",
    "CustomerAdministration.accessWhatIf",
    "SyntheticsAccountStitchedFields.accessExplanation",
    // The original (v1) user model (README, "The original user model"): NerdGraph has no API for it.
    "Account.originalUserModel",
    "RootMutationType.originalUserModelAddUser",
    "RootMutationType.originalUserModelUpdateUser",
    "RootMutationType.originalUserModelRemoveUser",
    "RootMutationType.originalUserModelTransferOwnership",
    "RootMutationType.originalUserModelCreateAddOnRole",
    "RootMutationType.originalUserModelUpdateAddOnRole",
    "RootMutationType.originalUserModelDeleteAddOnRole",
    // Bulk CSV user actions of the original user model (README, "Bulk user actions").
    "RootMutationType.originalUserModelBulkUserAction",
    // The viewer's effective capabilities on an account.
    "Account.capabilityIds",
    // The Synthetics permission system (NerdGraph has no API for it).
    "Account.syntheticsPermissions",
    "RootMutationType.syntheticsEnablePermissions",
    "RootMutationType.syntheticsDisablePermissions",
    "RootMutationType.syntheticsCreatePermissionGroup",
    "RootMutationType.syntheticsUpdatePermissionGroup",
    "RootMutationType.syntheticsDeletePermissionGroup",
    "RootMutationType.syntheticsAddPermissionGroupMembers",
    "RootMutationType.syntheticsRemovePermissionGroupMembers",
    "RootMutationType.syntheticsSetPermissionGroupRule",
    "RootMutationType.syntheticsRemovePermissionGroupRule",
    // Synthetics private locations (those the viewer may View) and secure credentials (never
    // their values) of an account: NerdGraph's clients read them through entity search.
    "Account.syntheticsPrivateLocations",
    "Account.syntheticsSecureCredentials",
    // Creating authentication domains (NerdGraph has only the delete).
    "RootMutationType.authenticationDomainCreate",
    // The SCIM token of a SCIM-provisioned domain (NerdGraph's is made in the UI).
    "RootMutationType.authenticationDomainGenerateScimToken",
    // Synthetics monitor reads: the monitors the viewer may View, one monitor, its edit history.
    "SyntheticsAccountStitchedFields.monitors",
    "SyntheticsAccountStitchedFields.monitor",
    "SyntheticsAccountStitchedFields.monitorChanges",
    // Sign-in sessions and passwords (issue 15): the viewer's sessions, the capabilities on each
    // account the playground's first query shows, and the session and password mutations.
    "AccountOutline.capabilityIds",
    "Actor.sessions",
    "RootMutationType.accountManagementUpdateSessionSettings",
    "RootMutationType.authenticationDomainUpdateSessionSettings",
    "RootMutationType.userManagementCreatePasswordSetupLink",
    "RootMutationType.userManagementEndSessions",
    "RootMutationType.userManagementUpdateOwnPassword",
];

/// Type name -> (kind, member name -> "(args): type").
fn shapes(sdl: &str) -> BTreeMap<String, (&'static str, BTreeMap<String, String>)> {
    let doc = parse_schema(sdl).expect("valid SDL");
    let mut out = BTreeMap::new();
    for def in doc.definitions {
        let TypeSystemDefinition::Type(ty) = def else { continue };
        let ty = ty.node;
        let (kind, members): (&str, BTreeMap<String, String>) = match ty.kind {
            TypeKind::Object(o) => ("type", fields(o.fields)),
            TypeKind::Interface(i) => ("interface", fields(i.fields)),
            TypeKind::InputObject(i) => (
                "input",
                i.fields.into_iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node.to_string())).collect(),
            ),
            TypeKind::Enum(e) => {
                ("enum", e.values.into_iter().map(|v| (v.node.value.node.to_string(), String::new())).collect())
            }
            _ => continue,
        };
        // `extend type` adds members to the type it extends.
        let entry = out.entry(ty.name.node.to_string()).or_insert_with(|| (kind, BTreeMap::new()));
        entry.1.extend(members);
    }
    out
}

fn fields(
    fields: Vec<async_graphql_parser::Positioned<async_graphql_parser::types::FieldDefinition>>,
) -> BTreeMap<String, String> {
    fields
        .into_iter()
        .map(|f| {
            let args: Vec<String> =
                f.node.arguments.iter().map(|a| format!("{}: {}", a.node.name.node, a.node.ty.node)).collect();
            (f.node.name.node.to_string(), format!("({}): {}", args.join(", "), f.node.ty.node))
        })
        .collect()
}

#[test]
fn served_types_match_nerdgraph() {
    let nerdgraph = shapes(include_str!("contract/nerdgraph-subset.graphql"));
    let ours = shapes(&accessgraph::graphql::sdl());
    let mut problems = Vec::new();
    for (name, (kind, members)) in &ours {
        let Some((ng_kind, ng_members)) = nerdgraph.get(name) else { continue };
        if kind != ng_kind {
            problems.push(format!("{name}: {kind} here, {ng_kind} in NerdGraph"));
            continue;
        }
        for (member, shape) in members {
            match ng_members.get(member) {
                // An added output field, or an added *optional* input field (clients that do not
                // know it never send it).
                None if (*kind == "type" || (*kind == "input" && !shape.ends_with('!')))
                    && ACCESSGRAPH_ONLY.contains(&format!("{name}.{member}").as_str()) => {}
                None => problems.push(format!("{name}.{member}: not in NerdGraph")),
                Some(ng) if ng != shape => problems.push(format!("{name}.{member}: {shape} here, {ng} in NerdGraph")),
                Some(_) => {}
            }
        }
        if matches!(*kind, "input" | "enum") {
            for member in ng_members.keys().filter(|m| !members.contains_key(*m)) {
                problems.push(format!("{name}.{member}: missing ({kind}s must be complete)"));
            }
        }
    }
    assert!(problems.is_empty(), "schema differs from NerdGraph:\n{}", problems.join("\n"));
    // The roots carry NerdGraph's names.
    assert!(ours.contains_key("RootQueryType"));
    assert!(ours.contains_key("UserManagementAuthenticationDomain"));
    assert!(ours.contains_key("CustomerAdministration"));
}
