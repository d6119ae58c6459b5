//! Users' effective access kept between requests, valid only under the organization's access
//! version it was computed at.
//!
//! Every access-changing write bumps `organizations.access_version` in its own transaction
//! ([`confirm`](super::confirm)), and authentication reads the version in the statement that checks
//! the key. An entry is used only when its version is the one just read: a revoked grant, a lost
//! membership or a changed user type applies to the very next request, on every instance sharing
//! the database. A version read before a concurrent change commits may label access loaded after
//! it; that only makes the entry miss one request early, never serve stale access.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;

use crate::access::EffectiveAccess;

/// Users whose access one instance keeps (least recently used first out).
pub const DEFAULT_CAPACITY: usize = 10_000;

pub struct AccessCache {
    entries: Mutex<LruCache<i64, (i64, Arc<EffectiveAccess>)>>,
}

impl AccessCache {
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        AccessCache { entries: Mutex::new(LruCache::new(capacity)) }
    }

    /// `user_id`'s access computed under `version` of their organization, if kept.
    pub fn get(&self, user_id: i64, version: i64) -> Option<Arc<EffectiveAccess>> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(&user_id) {
            Some((kept, access)) if *kept == version => Some(access.clone()),
            _ => None,
        }
    }

    /// Keeps `access`, loaded after `version` of the user's organization was read.
    pub fn insert(&self, user_id: i64, version: i64, access: Arc<EffectiveAccess>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.put(user_id, (version, access));
    }
}

impl Default for AccessCache {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_its_own_version() {
        let cache = AccessCache::new(2);
        let access = Arc::new(EffectiveAccess::default());
        cache.insert(1, 7, access.clone());
        assert!(cache.get(1, 7).is_some());
        assert!(cache.get(1, 8).is_none(), "a newer version must recompute");
        assert!(cache.get(2, 7).is_none());
    }

    #[test]
    fn the_least_recently_used_user_goes_first() {
        let cache = AccessCache::new(2);
        let access = Arc::new(EffectiveAccess::default());
        cache.insert(1, 0, access.clone());
        cache.insert(2, 0, access.clone());
        assert!(cache.get(1, 0).is_some());
        cache.insert(3, 0, access);
        assert!(cache.get(2, 0).is_none());
        assert!(cache.get(1, 0).is_some());
    }
}
