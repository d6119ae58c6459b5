//! Key rows kept between requests on PostgreSQL, used only while this instance holds a lease.
//!
//! An entry is what the key check's statement returned for a key. It is served instead of the
//! statement only while the instance's lease ([`KeyCache::extend_lease`]) runs, and every change
//! to a table the statement reads empties the cache ([`KeyCache::invalidate`]). The protocol that
//! makes this as fresh as reading the database is in [`super::peers`]: how the lease is renewed,
//! and why a write is acknowledged only once every instance that could serve an older row has
//! emptied its cache or lost its lease.
//!
//! A row read before a change committed must not be kept after the change's notification was
//! handled: each entry is inserted under the generation read before its statement began, and is
//! dropped if an invalidation came in between.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use chrono::{DateTime, Utc};
use lru::LruCache;

use super::key_check::KeyRow;

/// Keys one instance keeps (least recently used first out).
pub const CAPACITY: usize = 10_000;

pub struct KeyCache {
    entries: Mutex<LruCache<String, KeyRow>>,
    /// Bumped by every invalidation. Changed only under `entries`' lock, so that an insertion
    /// compares it and inserts in one step; read without the lock before a statement begins.
    generation: AtomicU64,
    /// Until when the entries may be served (see [`super::peers`]); `None`: not now.
    lease: Mutex<Option<Instant>>,
}

impl Default for KeyCache {
    fn default() -> Self {
        let capacity = NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN);
        KeyCache {
            entries: Mutex::new(LruCache::new(capacity)),
            generation: AtomicU64::new(0),
            lease: Mutex::new(None),
        }
    }
}

impl KeyCache {
    /// The kept row of the key whose hash is `hash`, if the lease runs.
    pub fn get(&self, hash: &str) -> Option<KeyRow> {
        if !self.leased(Instant::now()) {
            return None;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.get(hash).cloned()
    }

    /// The generation to pass to [`KeyCache::insert`]: read before the statement begins.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps `row`, read by a statement that began after `generation` was read, unless the cache
    /// was emptied since.
    pub fn insert(&self, generation: u64, row: KeyRow) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) == generation {
            entries.put(row.key_hash.clone(), row);
        }
    }

    /// Records in the kept row of `hash` that its user's activity was just written.
    pub fn touch(&self, hash: &str, last_active: DateTime<Utc>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(row) = entries.peek_mut(hash) {
            row.user.last_active = Some(last_active);
        }
    }

    /// Empties the cache: something it holds may have changed.
    pub fn invalidate(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    /// Lets the entries be served until `until`, if that is later than the lease runs now.
    pub fn extend_lease(&self, until: Instant) {
        let mut lease = self.lease.lock().unwrap_or_else(PoisonError::into_inner);
        if lease.is_none_or(|now| now < until) {
            *lease = Some(until);
        }
    }

    /// Stops serving entries until the lease is extended again.
    pub fn end_lease(&self) {
        *self.lease.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn leased(&self, now: Instant) -> bool {
        self.lease.lock().unwrap_or_else(PoisonError::into_inner).is_some_and(|until| now < until)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use entity::enums::{Edition, EmailVerificationState, UserType};
    use entity::{organization, user};

    use super::*;

    fn row(hash: &str) -> KeyRow {
        let now = Utc::now();
        KeyRow {
            key_id: "k".to_owned(),
            key_hash: hash.to_owned(),
            key_account_id: 1,
            user: user::Model {
                id: 1,
                authentication_domain_id: "d".to_owned(),
                email: "a@example.com".to_owned(),
                email_lower: "a@example.com".to_owned(),
                name: "A".to_owned(),
                user_type: UserType::Full,
                time_zone: "Etc/UTC".to_owned(),
                email_verification_state: EmailVerificationState::Verified,
                pending_upgrade_type: None,
                pending_upgrade_message: None,
                active: true,
                last_active: None,
                created_at: now,
            },
            organization: organization::Model {
                id: "o".to_owned(),
                name: "O".to_owned(),
                edition: Edition::Enterprise,
                customer_id: "c".to_owned(),
                created_at: now,
                access_version: 0,
            },
        }
    }

    #[test]
    fn entries_are_served_only_under_a_lease() {
        let cache = KeyCache::default();
        cache.insert(cache.generation(), row("h"));
        assert_eq!(cache.get("h"), None, "no lease yet");
        cache.extend_lease(Instant::now() + Duration::from_secs(60));
        assert_eq!(cache.get("h").map(|row| row.key_hash), Some("h".to_owned()));
        cache.end_lease();
        assert_eq!(cache.get("h"), None, "the lease ended");
        cache.extend_lease(Instant::now() - Duration::from_millis(1));
        assert_eq!(cache.get("h"), None, "the lease ran out");
    }

    #[test]
    fn a_row_read_before_an_invalidation_is_not_kept() {
        let cache = KeyCache::default();
        cache.extend_lease(Instant::now() + Duration::from_secs(60));
        let before = cache.generation();
        cache.insert(before, row("kept"));
        cache.invalidate();
        assert_eq!(cache.get("kept"), None, "emptied");
        cache.insert(before, row("late"));
        assert_eq!(cache.get("late"), None, "read under the old generation");
        cache.insert(cache.generation(), row("fresh"));
        assert!(cache.get("fresh").is_some());
    }

    #[test]
    fn a_lease_is_never_shortened_by_an_older_heartbeat() {
        let cache = KeyCache::default();
        cache.insert(cache.generation(), row("h"));
        cache.extend_lease(Instant::now() + Duration::from_secs(60));
        cache.extend_lease(Instant::now() - Duration::from_secs(1));
        assert!(cache.get("h").is_some());
    }
}
