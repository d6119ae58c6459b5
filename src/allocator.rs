//! The process's memory allocator: jemalloc, one arena per CPU.
//!
//! Measured with `cargo bench --bench throughput` against glibc's malloc, three alternating runs
//! of each binary on one machine: the 500-user pages 90 -> 112 (domain users) and 104 -> 106
//! (`customerAdministration.users`) requests/s. With glibc about 20% of those pages' samples were
//! in `malloc`/`free`/`malloc_consolidate`. The price is memory: the peak RSS of the page runs went
//! 52-53 -> 56-57 MB and of `--only actor` 41-44 -> 50-51 MB. One arena per CPU (`percpu_arena`)
//! keeps that lower than jemalloc's default of four arenas per CPU (62 MB on the pages).
//!
//! Where the platform allows (Linux), jemalloc is built unprefixed: it is also the `malloc`/`free`
//! of the C code linked in, SQLite's, which on glibc spent about a tenth of a 500-user page's
//! samples in `malloc_consolidate` and its kin (README, "Performance"). Operators can tune it at
//! run time with `MALLOC_CONF` (`_RJEM_MALLOC_CONF` where it stays prefixed, on macOS); the
//! built-in options come from `.cargo/config.toml` (`JEMALLOC_SYS_WITH_MALLOC_CONF`, read by
//! jemalloc's build).
//!
//! Declared in the library, so the server, the tests and the benchmarks all run on it.

#[cfg(all(not(target_env = "msvc"), not(miri)))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
