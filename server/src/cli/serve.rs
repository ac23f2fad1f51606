//! `serve`: bind, serve the router, stop gracefully on Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::config::Config;
use crate::state::AppState;

/// Options of `serve`; every one also reads an environment variable.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FIELDVISIT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Mark cookies Secure (when served over HTTPS); implied by --tls-cert.
    #[arg(long, env = "FIELDVISIT_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Serve HTTPS with this PEM certificate chain (leaf first), for a server that no reverse proxy
    /// terminates TLS for; needs --tls-key.
    #[arg(long, env = "FIELDVISIT_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "FIELDVISIT_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Failed logins before answers are slowed.
    #[arg(long, env = "FIELDVISIT_SLOW_AFTER", default_value_t = 3)]
    pub slow_after: u32,
    /// Failed logins that lock an account.
    #[arg(long, env = "FIELDVISIT_LOCK_AFTER", default_value_t = 10)]
    pub lock_after: u32,
    /// How long a lock lasts, in minutes.
    #[arg(long, env = "FIELDVISIT_LOCK_MINUTES", default_value_t = 15)]
    pub lock_minutes: u64,
    /// Staff session length, in hours.
    #[arg(long, env = "FIELDVISIT_SESSION_HOURS", default_value_t = 8)]
    pub session_hours: u64,
    /// A staff session unused for this many minutes ends.
    #[arg(long, env = "FIELDVISIT_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u64,
    /// Longest a request may take, its upload included, in seconds (then 408).
    #[arg(long, env = "FIELDVISIT_REQUEST_TIMEOUT_SECONDS", default_value_t = 60)]
    pub request_timeout_seconds: u64,
    /// Requests served at once; more are answered 503 at once.
    #[arg(long, env = "FIELDVISIT_MAX_IN_FLIGHT", default_value_t = 1024)]
    pub max_in_flight: usize,
    /// A proxy (load balancer, nginx) whose X-Forwarded-For names the client; repeat for several.
    #[arg(
        long = "trusted-proxy",
        env = "FIELDVISIT_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Sign-in attempts one client address may make at once (then one more every 2 s).
    #[arg(long, env = "FIELDVISIT_SIGNIN_BURST", default_value_t = 30)]
    pub signin_burst: u32,
    /// PostgreSQL connections this process opens at most.
    #[arg(long, env = "FIELDVISIT_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: usize,
    /// Longest a request waits for a free database connection, in seconds.
    #[arg(long, env = "FIELDVISIT_DB_WAIT_SECONDS", default_value_t = 10)]
    pub db_wait_seconds: u64,
    /// Longest one database statement may run, in seconds.
    #[arg(
        long,
        env = "FIELDVISIT_DB_STATEMENT_TIMEOUT_SECONDS",
        default_value_t = 30
    )]
    pub db_statement_timeout_seconds: u64,
    /// Longest connecting to the database may take, in seconds.
    #[arg(
        long,
        env = "FIELDVISIT_DB_CONNECT_TIMEOUT_SECONDS",
        default_value_t = 5
    )]
    pub db_connect_timeout_seconds: u64,
    /// Enrollment code validity, in hours.
    #[arg(long, env = "FIELDVISIT_CODE_HOURS", default_value_t = 24)]
    pub code_hours: u64,
    /// Device token lifetime, in minutes; phones renew theirs with their device key.
    #[arg(long, env = "FIELDVISIT_DEVICE_TOKEN_MINUTES", default_value_t = 60)]
    pub device_token_minutes: u64,
    /// Review SLA for HIGH-risk assessments, in hours.
    #[arg(long, env = "FIELDVISIT_REVIEW_HIGH_HOURS", default_value_t = 24)]
    pub review_high_hours: u32,
    /// Review SLA for MEDIUM-risk assessments, in working days.
    #[arg(
        long,
        env = "FIELDVISIT_REVIEW_MEDIUM_WORKING_DAYS",
        default_value_t = 5
    )]
    pub review_medium_working_days: u32,
    /// Review SLA for LOW-risk assessments, in days.
    #[arg(long, env = "FIELDVISIT_REVIEW_LOW_DAYS", default_value_t = 30)]
    pub review_low_days: u32,
    /// How long an unlocked audience key stays unlocked, in minutes.
    #[arg(long, env = "FIELDVISIT_KEY_SESSION_MINUTES", default_value_t = 30)]
    pub key_session_minutes: u32,
    /// Tiles of the console's visit map: `amap`, `tianditu:<key>`, an `https://…/{z}/{x}/{y}`
    /// template, or `gcj02:https://…` for GCJ-02 tiles [default: none, a plain grid].
    #[arg(long, env = "FIELDVISIT_MAP_TILES", value_parser = crate::console::tiles::TileSource::parse)]
    pub map_tiles: Option<crate::console::tiles::TileSource>,
    /// The console's address as its readers reach it, for the links in alerts, e.g.
    /// `https://fieldvisit.example.gov.cn` [default: http:// and the listen address].
    #[arg(long, env = "FIELDVISIT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// A HIGH-risk review is reminded of when less than this many hours are left.
    #[arg(long, env = "FIELDVISIT_ALERT_REVIEW_LEAD_HOURS", default_value_t = 4)]
    pub alert_review_lead_hours: u32,
    /// How long a server holds an alert it is sending; one that stopped mid-send leaves it
    /// unconfirmed after this, for an admin to resend.
    #[arg(long, env = "FIELDVISIT_ALERT_LEASE_SECONDS", default_value_t = 120)]
    pub alert_lease_seconds: u64,
    /// With PostgreSQL, keep photos in this machine's data folder anyway. Only this one server
    /// process may then serve: another process would not find the photos this one stored, and
    /// losing this machine loses them. Without it, PostgreSQL needs `--blobs s3://…`.
    #[arg(long, env = "FIELDVISIT_PHOTOS_ON_ONE_SERVER")]
    pub photos_on_one_server: bool,
}

impl ServeArgs {
    /// The settings these options give for a data folder.
    pub fn config(&self, data: PathBuf) -> Config {
        let mut config = Config::new(data);
        config.secure_cookies = self.secure_cookies || self.tls_cert.is_some();
        config.lockout.slow_after = self.slow_after;
        config.lockout.lock_after = self.lock_after.max(1);
        config.lockout.lock_for = Duration::from_secs(self.lock_minutes * 60);
        config.session_ttl = Duration::from_secs(self.session_hours * 3600);
        config.session_idle = Duration::from_secs(self.session_idle_minutes.max(1) * 60);
        config.request_timeout = Duration::from_secs(self.request_timeout_seconds.max(1));
        config.max_in_flight = self.max_in_flight.max(1);
        config.postgres = crate::store::postgres::PgOptions {
            pool_size: self.db_pool_size.max(1),
            wait: Duration::from_secs(self.db_wait_seconds.max(1)),
            statement_timeout: Duration::from_secs(self.db_statement_timeout_seconds.max(1)),
            connect_timeout: Duration::from_secs(self.db_connect_timeout_seconds.max(1)),
        };
        config.trusted_proxies = self.trusted_proxies.clone();
        config.signin_burst = self.signin_burst.max(1);
        config.enrollment_code_ttl = Duration::from_secs(self.code_hours * 3600);
        config.device_token_ttl = Duration::from_secs(self.device_token_minutes.max(1) * 60);
        config.review.high = chrono::Duration::hours(self.review_high_hours.into());
        config.review.medium_working_days = self.review_medium_working_days;
        config.review.low = chrono::Duration::days(self.review_low_days.into());
        config.review.key_session = chrono::Duration::minutes(self.key_session_minutes.into());
        config.map_tiles = self.map_tiles.clone();
        config.alerts.public_url = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen));
        config.alerts.review_lead = chrono::Duration::hours(self.alert_review_lead_hours.into());
        config.alerts.lease = Duration::from_secs(self.alert_lease_seconds.max(1));
        config
    }
}

/// Why `serve` refuses PostgreSQL with photos in the data folder.
pub const PHOTOS_BESIDE_POSTGRES: &str = "PostgreSQL 与本机照片目录不能同时使用 / PostgreSQL with \
     photos in this machine's data folder: a second server process would not find the photos this \
     one stores. Give --blobs s3://bucket/prefix, or --photos-on-one-server if this process is the \
     only one and this machine's disk is backed up";

/// How often the audit chain's head is noted outside the database (when it moved).
const AUDIT_CHECKPOINT_EVERY: Duration = Duration::from_secs(5);

/// Serves until a shutdown signal, letting requests in flight finish.
pub async fn serve(config: Config, args: &ServeArgs) -> Result<ExitCode, String> {
    let listen = args.listen.as_str();
    if config.backends.photos_local_beside_postgres() && !args.photos_on_one_server {
        return Err(PHOTOS_BESIDE_POSTGRES.into());
    }
    let state = AppState::connect(config).await.map_err(|e| e.to_string())?;
    // Alerts go out from every server process; claims in the database keep them from sending
    // one twice.
    let alerts = crate::alerts::spawn(state.clone()).map_err(|e| e.to_string())?;
    // Failed sign-ins are counted; once a minute the minutes gone by are summarised in the audit
    // log.
    let summarising = state.clone();
    let signins = tokio::spawn(async move {
        let mut minute = tokio::time::interval(Duration::from_secs(60));
        loop {
            minute.tick().await;
            let now = chrono::Utc::now();
            if let Err(e) = crate::ops::sessions::summarise_failed_signins(&summarising, now).await
            {
                tracing::warn!(error = %e, "summarising failed sign-ins failed");
            }
        }
    });
    // The audit chain's head is noted outside the database every few seconds it moved, so a log
    // cut short later is found by `audit verify`.
    let noting = state.clone();
    let checkpoints = tokio::spawn(async move {
        let mut tick = tokio::time::interval(AUDIT_CHECKPOINT_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = crate::audit::checkpoint(&noting).await {
                tracing::warn!(error = %e, "noting the audit checkpoint failed");
            }
        }
    });
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            Some(crate::http::tls::load(cert, key).map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(%addr, scheme, "serving");
    // The peer's address reaches handlers: sign-in attempts are limited per client address.
    let last_noting = state.clone();
    let app = crate::app(state);
    match tls {
        Some(config) => {
            use crate::http::tls::{PeerAddr, TlsListener, with_peer_addr};
            let listener = TlsListener::new(listener, config).map_err(|e| e.to_string())?;
            let app = with_peer_addr(app).into_make_service_with_connect_info::<PeerAddr>();
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
        None => {
            let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
    }
    .map_err(|e| e.to_string())?;
    alerts.abort();
    signins.abort();
    checkpoints.abort();
    if let Err(e) = crate::audit::checkpoint(&last_noting).await {
        tracing::warn!(error = %e, "noting the audit checkpoint failed");
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser;

    use super::super::{Cli, Command};

    #[test]
    fn review_policy_comes_from_the_command_line() {
        let cli = Cli::try_parse_from([
            "fieldvisit-server",
            "serve",
            "--review-high-hours",
            "12",
            "--review-medium-working-days",
            "3",
            "--key-session-minutes",
            "10",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("not serve")
        };
        let c = args.config("d".into());
        assert_eq!(c.review.high, chrono::Duration::hours(12));
        assert_eq!(c.review.medium_working_days, 3);
        assert_eq!(c.review.low, chrono::Duration::days(30));
        assert_eq!(c.review.key_session, chrono::Duration::minutes(10));
    }
}
