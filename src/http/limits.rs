//! The HTTP limits: their values ([`HttpLimits`]), the per-user count of requests in flight
//! ([`UserSlots`]) and the per-address throttle of failed key attempts ([`FailedAuthThrottle`]).
//!
//! Both counters live in this process: with several instances, each enforces its own limits
//! (DESIGN.md: rate-limit windows are per instance by design).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Every limit the HTTP layer enforces. `accessgraph serve` fills it from its flags
/// ([`crate::config::LimitArgs`]); tests set small values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpLimits {
    /// A request taking longer is answered 408.
    pub request_timeout: Duration,
    /// Largest request body, in bytes: a larger declared `Content-Length` is answered 413 before
    /// anything is read, and a chunked body is cut off (413) when it grows past it.
    pub max_body_bytes: usize,
    /// Longest GraphQL document (the `query` string), in bytes.
    pub max_query_bytes: usize,
    /// Most fields one operation selects, with every fragment spread counted as the fields of
    /// its fragment (aliases and `__typename` included): an upper bound on the answer's size.
    pub max_fields: usize,
    /// Most requests of one user in flight at once; the next is answered 429.
    pub max_concurrent_requests_per_user: u32,
    /// Failed key attempts one client address may make in a burst...
    pub failed_auth_burst: u32,
    /// ...after which it earns one more attempt per this period; in between, its requests are
    /// answered 429 without the key being checked.
    pub failed_auth_refill: Duration,
    /// Take the client address from the last `X-Forwarded-For` entry (set by the one proxy in
    /// front) instead of the TCP peer.
    pub trust_forwarded_for: bool,
    /// Failed sign-ins with one email in a burst (whether or not the email exists)...
    pub failed_sign_in_burst_per_user: u32,
    /// ...and from one client address...
    pub failed_sign_in_burst_per_address: u32,
    /// ...after which each earns one more attempt per this period; meanwhile sign-ins are
    /// answered 429 without the password being checked.
    pub failed_sign_in_refill: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 8 * 1024 * 1024,
            max_query_bytes: 256 * 1024,
            max_fields: 1_000,
            max_concurrent_requests_per_user: 25,
            failed_auth_burst: 20,
            failed_auth_refill: Duration::from_millis(500),
            trust_forwarded_for: false,
            failed_sign_in_burst_per_user: 5,
            failed_sign_in_burst_per_address: 20,
            failed_sign_in_refill: Duration::from_secs(30),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps below stay consistent whatever panics: a poisoned lock is still usable.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How many requests each user has in flight.
#[derive(Debug)]
pub struct UserSlots {
    max: u32,
    in_flight: Mutex<HashMap<i64, u32>>,
}

/// One request's place among its user's requests in flight; dropping it (when the response is
/// done, or the request times out or panics) frees the place.
#[derive(Debug)]
pub struct UserSlot {
    slots: Arc<UserSlots>,
    user_id: i64,
}

impl UserSlots {
    pub fn new(max: u32) -> Arc<Self> {
        Arc::new(UserSlots { max: max.max(1), in_flight: Mutex::new(HashMap::new()) })
    }

    /// A place for one more request of `user_id`, or `None` when they have `max` in flight.
    pub fn try_acquire(self: &Arc<Self>, user_id: i64) -> Option<UserSlot> {
        let mut in_flight = lock(&self.in_flight);
        let count = in_flight.entry(user_id).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(UserSlot { slots: self.clone(), user_id })
    }
}

impl Drop for UserSlot {
    fn drop(&mut self) {
        let mut in_flight = lock(&self.slots.in_flight);
        if let Entry::Occupied(mut entry) = in_flight.entry(self.user_id) {
            *entry.get_mut() = entry.get().saturating_sub(1);
            if *entry.get() == 0 {
                entry.remove();
            }
        }
    }
}

/// Past this many tracked addresses, stale entries are swept.
const SWEEP_ABOVE: usize = 10_000;

/// Failed key attempts per client address: a GCRA limiter (governor) keyed by address, which
/// allows `failed_auth_burst` failures and then one per `failed_auth_refill`. An address over the
/// limit is blocked until its next attempt would be allowed, and a blocked address's requests are
/// refused before the key is looked at.
///
/// Keyed by client address for API keys; sign-in keeps one keyed by address and one keyed by the
/// email tried (per user, without revealing whether the email exists).
pub struct FailedAuthThrottle<K: Hash + Eq + Clone = IpAddr> {
    failures: DefaultKeyedRateLimiter<K>,
    blocked_until: Mutex<HashMap<K, Instant>>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> std::fmt::Debug for FailedAuthThrottle<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailedAuthThrottle").field("tracked", &self.failures.len()).finish_non_exhaustive()
    }
}

impl<K: Hash + Eq + Clone> FailedAuthThrottle<K> {
    pub fn new(burst: u32, refill: Duration) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let refill = refill.max(Duration::from_nanos(1));
        let quota = Quota::with_period(refill).unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX)).allow_burst(burst);
        FailedAuthThrottle {
            failures: RateLimiter::keyed(quota),
            blocked_until: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    /// How long `ip` stays blocked, if it is.
    pub fn blocked_for(&self, ip: K) -> Option<Duration> {
        let now = Instant::now();
        let mut blocked = lock(&self.blocked_until);
        match blocked.get(&ip) {
            Some(until) if *until > now => Some(*until - now),
            Some(_) => {
                blocked.remove(&ip);
                None
            }
            None => None,
        }
    }

    /// Counts a failed attempt of `ip`. `Some(wait)` when it went over the limit: the address is
    /// then blocked for `wait`.
    pub fn record_failure(&self, ip: K) -> Option<Duration> {
        if self.failures.len() > SWEEP_ABOVE {
            self.failures.retain_recent();
            self.failures.shrink_to_fit();
        }
        let not_until = self.failures.check_key(&ip).err()?;
        let wait = not_until.wait_time_from(self.clock.now());
        let now = Instant::now();
        let mut blocked = lock(&self.blocked_until);
        if blocked.len() > SWEEP_ABOVE {
            blocked.retain(|_, until| *until > now);
        }
        blocked.insert(ip, now + wait);
        Some(wait)
    }
}

/// The address a request comes from: the TCP peer (axum's `ConnectInfo`), or with
/// `trust_forwarded_for` the last `X-Forwarded-For` entry. A request without either (a test
/// calling the router directly) counts as one unknown address. IPv6 clients count by their /64
/// network (one host usually holds a whole /64); IPv4-mapped addresses count as IPv4.
pub fn client_ip(request: &Request, trust_forwarded_for: bool) -> IpAddr {
    match peer_or_forwarded(request, trust_forwarded_for).to_canonical() {
        IpAddr::V6(ip) => IpAddr::V6(Ipv6Addr::from(u128::from(ip) & (u128::MAX << 64))),
        ip => ip,
    }
}

fn peer_or_forwarded(request: &Request, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for {
        let last = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .next_back();
        if let Some(ip) = last.and_then(|entry| entry.trim().parse::<IpAddr>().ok()) {
            return ip;
        }
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| addr.ip())
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    fn request(peer: &str, forwarded: Option<&str>) -> Request {
        let mut builder = Request::get("/graphql");
        if let Some(forwarded) = forwarded {
            builder = builder.header("x-forwarded-for", forwarded);
        }
        let mut request = builder.body(Body::empty()).expect("request");
        request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().expect("address")));
        request
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn client_addresses() {
        assert_eq!(client_ip(&request("192.0.2.1:5000", Some("203.0.113.9")), false), ip("192.0.2.1"));
        assert_eq!(client_ip(&request("192.0.2.1:5000", Some("1.1.1.1, 203.0.113.9")), true), ip("203.0.113.9"));
        // An unreadable last entry is not replaced by an earlier, client-written one.
        assert_eq!(client_ip(&request("192.0.2.1:5000", Some("1.1.1.1, junk")), true), ip("192.0.2.1"));
        assert_eq!(client_ip(&request("[2001:db8:1:2:3:4:5:6]:5000", None), false), ip("2001:db8:1:2::"));
        assert_eq!(client_ip(&request("[::ffff:192.0.2.7]:5000", None), false), ip("192.0.2.7"));
        let mut bare = Request::get("/").body(Body::empty()).expect("request");
        bare.headers_mut().insert("x-forwarded-for", "203.0.113.9".parse().expect("header"));
        assert_eq!(client_ip(&bare, false), ip("0.0.0.0"));
    }

    #[test]
    fn slots_are_counted_per_user_and_freed_on_drop() {
        let slots = UserSlots::new(2);
        let first = slots.try_acquire(1).expect("first");
        let _second = slots.try_acquire(1).expect("second");
        assert!(slots.try_acquire(1).is_none());
        assert!(slots.try_acquire(2).is_some());
        drop(first);
        assert!(slots.try_acquire(1).is_some());
    }

    #[test]
    fn failures_block_after_the_burst() {
        let throttle = FailedAuthThrottle::new(2, Duration::from_secs(3600));
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        assert_eq!(throttle.record_failure(a), None);
        assert_eq!(throttle.record_failure(a), None);
        assert!(throttle.blocked_for(a).is_none());
        assert!(throttle.record_failure(a).is_some_and(|wait| wait > Duration::from_secs(3000)));
        assert!(throttle.blocked_for(a).is_some());
        assert!(throttle.blocked_for(b).is_none());
    }
}
