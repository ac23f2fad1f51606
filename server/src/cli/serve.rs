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
    /// Mark cookies Secure (when served over HTTPS).
    #[arg(long, env = "FIELDVISIT_SECURE_COOKIES")]
    pub secure_cookies: bool,
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
    /// Enrollment code validity, in hours.
    #[arg(long, env = "FIELDVISIT_CODE_HOURS", default_value_t = 24)]
    pub code_hours: u64,
}

impl ServeArgs {
    /// The settings these options give for a data folder.
    pub fn config(&self, data: PathBuf) -> Config {
        let mut config = Config::new(data);
        config.secure_cookies = self.secure_cookies;
        config.lockout.slow_after = self.slow_after;
        config.lockout.lock_after = self.lock_after.max(1);
        config.lockout.lock_for = Duration::from_secs(self.lock_minutes * 60);
        config.session_ttl = Duration::from_secs(self.session_hours * 3600);
        config.enrollment_code_ttl = Duration::from_secs(self.code_hours * 3600);
        config
    }
}

/// Serves until a shutdown signal, letting requests in flight finish.
pub async fn serve(data: PathBuf, args: ServeArgs) -> Result<ExitCode, String> {
    let config = args.config(data);
    let listen = args.listen.as_str();
    let state = AppState::open(config).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, "serving");
    axum::serve(listener, crate::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
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
