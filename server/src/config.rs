//! Server settings: where data lives, limits, session and login-throttling policy.

use std::path::PathBuf;
use std::time::Duration;

/// Everything the server can be tuned with; defaults follow `docs/domain.md` and OWASP advice.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder holding `fieldvisit.db` and `blobs/` (when those backends are used).
    pub data_dir: PathBuf,
    /// Database and photo storage (default: both in `data_dir`).
    pub backends: crate::backends::Backends,
    /// PostgreSQL pool and timeouts (when PostgreSQL is the database).
    pub postgres: crate::store::postgres::PgOptions,
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// How long a staff session lasts.
    pub session_ttl: Duration,
    /// A session unused for longer than this ends.
    pub session_idle: Duration,
    /// How long an enrollment code stays valid.
    pub enrollment_code_ttl: Duration,
    /// How long a device token works before the phone renews it with its device key.
    pub device_token_ttl: Duration,
    /// Per-account login throttling.
    pub lockout: LockoutPolicy,
    /// Request body limits.
    pub limits: BodyLimits,
    /// Longest a request may take, its body included; then it is answered 408.
    pub request_timeout: Duration,
    /// Requests served at once; more are answered 503 at once rather than queued.
    pub max_in_flight: usize,
    /// Proxies whose `X-Forwarded-For` names the client (the load balancer, nginx).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Sign-in attempts one client address may make at once.
    pub signin_burst: u32,
    /// One more sign-in attempt per client address every this long.
    pub signin_refill: Duration,
    /// argon2id cost for new password hashes.
    pub argon2: Argon2Cost,
    /// Password hashings and checks at once (each takes the cost's memory); more wait.
    pub argon2_parallel: usize,
    /// Longest wait for a turn at password work before the caller is told to try again.
    pub argon2_wait: Duration,
    /// Review SLAs and key sessions.
    pub review: ReviewPolicy,
    /// Tiles of the visit map; none by default (a plain grid).
    pub map_tiles: Option<crate::console::tiles::TileSource>,
    /// Alert delivery.
    pub alerts: crate::alerts::AlertSettings,
    /// Where the audit key and the audit checkpoints are kept [default: in the data folder].
    pub audit: AuditFiles,
}

/// Per-account slowing and locking after failed logins.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    /// Failures before answers are delayed.
    pub slow_after: u32,
    /// Delay added per failure beyond `slow_after`.
    pub delay_step: Duration,
    /// Longest delay.
    pub max_delay: Duration,
    /// Failures that lock the account.
    pub lock_after: u32,
    /// How long a lock lasts.
    pub lock_for: Duration,
}

/// Largest accepted request bodies.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// A sealed envelope.
    pub envelope: usize,
    /// One photo chunk.
    pub photo_chunk: usize,
    /// One whole photo, as the manifest declares it (the phone sends a few hundred KB).
    pub photo: u64,
    /// A household CSV.
    pub csv: usize,
    /// Any other JSON body.
    pub json: usize,
}

/// argon2id memory (KiB), iterations and lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Cost {
    /// Memory in KiB.
    pub m_cost: u32,
    /// Iterations.
    pub t_cost: u32,
    /// Parallelism.
    pub p_cost: u32,
}

impl Config {
    /// Production defaults for a data folder.
    pub fn new(data_dir: PathBuf) -> Self {
        Config {
            data_dir,
            backends: crate::backends::Backends::default(),
            postgres: crate::store::postgres::PgOptions::default(),
            secure_cookies: false,
            session_ttl: Duration::from_secs(8 * 3600),
            session_idle: Duration::from_secs(30 * 60),
            enrollment_code_ttl: Duration::from_secs(24 * 3600),
            device_token_ttl: Duration::from_secs(60 * 60),
            lockout: LockoutPolicy {
                slow_after: 3,
                delay_step: Duration::from_millis(500),
                max_delay: Duration::from_secs(5),
                lock_after: 10,
                lock_for: Duration::from_secs(15 * 60),
            },
            limits: BodyLimits {
                envelope: 1024 * 1024,
                photo_chunk: 4 * 1024 * 1024,
                photo: 16 * 1024 * 1024,
                csv: 32 * 1024 * 1024,
                json: 64 * 1024,
            },
            review: ReviewPolicy::default(),
            map_tiles: None,
            // A 256 KiB photo chunk takes 13 s at 20 KB/s, a weak village signal.
            request_timeout: Duration::from_secs(60),
            max_in_flight: 1024,
            trusted_proxies: Vec::new(),
            // A station's office behind one address signs in together in the morning.
            signin_burst: 30,
            signin_refill: Duration::from_secs(2),
            argon2_parallel: std::thread::available_parallelism()
                .map_or(2, |n| n.get().clamp(1, 8)),
            argon2_wait: Duration::from_secs(10),
            alerts: crate::alerts::AlertSettings::default(),
            audit: AuditFiles::default(),
            // OWASP minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
            argon2: Argon2Cost {
                m_cost: 19 * 1024,
                t_cost: 2,
                p_cost: 1,
            },
        }
    }

    /// Cheap hashing and no login delays, for tests only.
    pub fn for_tests(data_dir: PathBuf) -> Self {
        let mut c = Config::new(data_dir);
        c.argon2 = Argon2Cost {
            m_cost: 256,
            t_cost: 1,
            p_cost: 1,
        };
        c.lockout.delay_step = Duration::from_millis(1);
        c.lockout.max_delay = Duration::from_millis(5);
        c.lockout.lock_after = 5;
        // Router tests call the router in process: every request shares one client key.
        c.signin_burst = 10_000;
        c
    }

    /// The key file alert channel credentials are sealed with.
    pub fn alerts_key_path(&self) -> PathBuf {
        self.alerts
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("alerts.key"))
    }

    /// The key audit entries are sealed with.
    pub fn audit_key_path(&self) -> PathBuf {
        self.audit
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit.key"))
    }

    /// The file the audit chain's checkpoints are appended to.
    pub fn audit_checkpoints_path(&self) -> PathBuf {
        self.audit
            .checkpoints
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-checkpoints"))
    }

    /// The SQLite database file.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("fieldvisit.db")
    }

    /// The blob folder.
    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }
}

/// Files of the audit log kept outside the database. Several servers and the admin commands share
/// one key; each host may keep its own checkpoint file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFiles {
    /// The audit key file.
    pub key_file: Option<PathBuf>,
    /// The checkpoint file.
    pub checkpoints: Option<PathBuf>,
}

/// Review SLAs (`docs/domain.md` §4 defaults) and how long an unlocked audience key stays open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewPolicy {
    /// HIGH risk: reviewed within this time.
    pub high: chrono::Duration,
    /// MEDIUM risk: within this many working days (Monday–Friday).
    pub medium_working_days: u32,
    /// LOW risk (or no level): within this time.
    pub low: chrono::Duration,
    /// How long an unlocked key stays in memory.
    pub key_session: chrono::Duration,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        ReviewPolicy {
            high: chrono::Duration::hours(24),
            medium_working_days: 5,
            low: chrono::Duration::days(30),
            key_session: chrono::Duration::minutes(30),
        }
    }
}
