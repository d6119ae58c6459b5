//! Synthetics: private locations, secure credentials, entity GUIDs, and the facts the Synthetics
//! permission system needs, loaded for many (user, account) pairs at once.

pub mod guid;
pub mod monitors;
pub mod permissions;
pub mod private_locations;
pub mod secure_credentials;

use std::collections::HashMap;

use entity::{
    synthetics_permission_group, synthetics_permission_group_member, synthetics_permission_rule,
    synthetics_permission_setting,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::access::synthetics::{Rule, Target};

/// One user's Synthetics facts on one account: whether the permission system is on, and the rules
/// of the permission groups they are in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyntheticsFacts {
    pub enabled: bool,
    pub rules: Vec<Rule>,
}

/// The facts of each (user, account) pair, in three statements whatever the number of pairs.
pub async fn facts(
    db: &impl ConnectionTrait,
    pairs: &[(i64, i32)],
) -> Result<HashMap<(i64, i32), SyntheticsFacts>, DbErr> {
    let accounts: Vec<i32> = pairs.iter().map(|(_, a)| *a).collect();
    let users: Vec<i64> = pairs.iter().map(|(u, _)| *u).collect();
    let enabled: HashMap<i32, bool> = synthetics_permission_setting::Entity::find()
        .filter(synthetics_permission_setting::Column::AccountId.is_in(accounts.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.account_id, s.enabled))
        .collect();
    // Groups of these accounts with these users as members.
    let memberships = synthetics_permission_group_member::Entity::find()
        .filter(synthetics_permission_group_member::Column::UserId.is_in(users.iter().copied()))
        .find_also_related(synthetics_permission_group::Entity)
        .filter(synthetics_permission_group::Column::AccountId.is_in(accounts.iter().copied()))
        .all(db)
        .await?;
    let group_ids: Vec<String> = memberships.iter().map(|(m, _)| m.group_id.clone()).collect();
    let mut rules_by_group: HashMap<String, Vec<Rule>> = HashMap::new();
    if !group_ids.is_empty() {
        for rule in synthetics_permission_rule::Entity::find()
            .filter(synthetics_permission_rule::Column::GroupId.is_in(group_ids))
            .all(db)
            .await?
        {
            rules_by_group.entry(rule.group_id.clone()).or_default().push(to_rule(&rule));
        }
    }
    let mut out: HashMap<(i64, i32), SyntheticsFacts> = pairs
        .iter()
        .map(|&(user, account)| {
            (
                (user, account),
                SyntheticsFacts { enabled: enabled.get(&account).copied().unwrap_or(false), rules: Vec::new() },
            )
        })
        .collect();
    for (member, group) in memberships {
        let Some(group) = group else { continue };
        if let Some(facts) = out.get_mut(&(member.user_id, group.account_id)) {
            facts.rules.extend(rules_by_group.get(&group.id).cloned().unwrap_or_default());
        }
    }
    Ok(out)
}

/// A stored rule as the permission model sees it.
pub fn to_rule(rule: &synthetics_permission_rule::Model) -> Rule {
    Rule {
        kind: rule.entity_kind.into(),
        target: if rule.target == synthetics_permission_rule::ALL {
            Target::All
        } else {
            Target::One(rule.target.clone())
        },
        view: rule.can_view,
        edit: rule.can_edit,
    }
}
