//! `fieldvisit-server demo`: one command, nothing to set up. Makes (or reuses) a data folder with a
//! demo county — three townships, nine villages, households of every category, staff accounts,
//! audience keys — serves it, lets simulated phones (the real `fieldvisit-core` engine) record a few
//! months of visits and upload them over HTTP, prints the URL, the logins and a coverage summary,
//! and keeps serving.

mod access;
mod error;
pub mod folder;
mod phones;
pub mod seed;
pub mod summary;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chrono::{Duration, Utc};
use fieldvisit_server::config::Config;
use fieldvisit_server::ops::audience;
use fieldvisit_server::state::AppState;
use fieldvisit_sim::county::recording::PhoneReport;
use fieldvisit_sim::county::{HOUSEHOLD_RANGE, county_households, staff};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use self::error::DemoError;
use self::folder::DemoFile;
pub use self::phones::phone_dir;
use self::seed::Seeded;
use self::summary::Summary;

/// Data folder when `--data` is not given.
pub const DEFAULT_DATA: &str = "fieldvisit-demo";
/// Households in a new demo county unless `--households` says otherwise.
pub const DEFAULT_HOUSEHOLDS: usize = 300;

/// Options of `demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Households of a new demo county [default: 300]; a folder keeps the size it was made with.
    #[arg(long)]
    pub households: Option<usize>,
    /// Stop after the phones have synced and the summary is printed (for scripts).
    #[arg(long)]
    pub exit_after_sync: bool,
}

/// A running demo: the server on its address, and what the run did.
#[derive(Debug)]
pub struct Demo {
    /// Server state (store and blobs).
    pub state: AppState,
    /// Bound address.
    pub addr: SocketAddr,
    /// Base URL.
    pub url: String,
    /// The folder's demo file (logins, passphrases).
    pub file: DemoFile,
    /// Whether this run made the folder.
    pub created: bool,
    /// What seeding added.
    pub seeded: Seeded,
    /// What each phone did.
    pub phones: Vec<PhoneReport>,
    /// The summary.
    pub summary: Summary,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    alerts: JoinHandle<()>,
}

impl Demo {
    /// Stops serving and waits for requests in flight.
    pub async fn stop(mut self) -> Result<(), DemoError> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.join().await
    }

    /// Serves until `signal` resolves.
    pub async fn serve_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
    ) -> Result<(), DemoError> {
        signal.await;
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.join().await
    }

    async fn join(self) -> Result<(), DemoError> {
        self.alerts.abort();
        self.server
            .await
            .map_err(|e| DemoError::Task(e.to_string()))?
            .map_err(|e| DemoError::Task(e.to_string()))
    }
}

fn logins() -> Vec<String> {
    staff::accounts().into_iter().map(|a| a.login).collect()
}

/// Makes or reuses the demo in `data`, serves it on `args.listen`, runs the phones and computes the
/// summary; progress lines go to `progress`.
pub async fn start(
    data: &Path,
    args: &DemoArgs,
    progress: &mut dyn Write,
) -> Result<Demo, DemoError> {
    let began = Instant::now();
    let now = Utc::now();
    let today = fieldvisit_server::ops::coverage::local_date(now);
    let (file, created) = match folder::load(data)? {
        Some(f) => {
            if let Some(n) = args.households
                && n != f.households
            {
                say(
                    progress,
                    &format!(
                        "注意 Note: 此文件夹已有 {} 户的示范县 this folder already holds a demo county of {} households; --households {n} is ignored",
                        f.households, f.households
                    ),
                );
            }
            (f, false)
        }
        None => {
            let n = args.households.unwrap_or(DEFAULT_HOUSEHOLDS);
            if !HOUSEHOLD_RANGE.contains(&n) {
                return Err(DemoError::Size {
                    given: n,
                    min: *HOUSEHOLD_RANGE.start(),
                    max: *HOUSEHOLD_RANGE.end(),
                });
            }
            let f = folder::create(data, today, n, &logins(), audience::AUDIENCES)?;
            (f, true)
        }
    };
    // Bound before the state is opened: alert messages link to the address the demo serves at.
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| DemoError::Bind(args.listen.clone(), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| DemoError::Bind(args.listen.clone(), e))?;
    let url = format!("http://{addr}");
    let mut config = Config::new(data.to_path_buf());
    config.alerts.public_url = url.clone();
    let state = AppState::open(config)?;
    let county = county_households(file.households, file.anchor);
    let seeded = seed::seed(
        &state,
        &file,
        county
            .iter()
            .map(|h| (h.household.clone(), h.worker_id.clone()))
            .collect(),
    )
    .await?;
    say(
        progress,
        &if created || seeded != Seeded::default() {
            format!(
                "① 示范县 Demo county 青溪县 in {}: 新建 created {} org units, {} accounts, {} households, {} audience keys ({:.1} s)",
                data.display(),
                seeded.units,
                seeded.staff,
                seeded.households,
                seeded.keys,
                began.elapsed().as_secs_f64()
            )
        } else {
            format!(
                "① 示范县 Demo county 青溪县 in {}: 已存在，沿用 found and reused ({} households, made {})",
                data.display(),
                file.households,
                file.anchor
            )
        },
    );

    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let app = fieldvisit_server::app(state.clone());
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stop_rx.await;
        })
        .await
    });
    // Channels an admin adds in the console work in the demo as in production.
    let alerts = fieldvisit_server::alerts::spawn(state.clone())
        .map_err(|e| DemoError::Task(e.to_string()))?;
    say(progress, &format!("② 服务已启动 Serving at {url}"));

    let phones = match phones::run_phones(data, &state, &url, &county, progress).await {
        Ok(p) => p,
        Err(e) => {
            alerts.abort();
            let _ = stop_tx.send(());
            let _ = server.await;
            return Err(e);
        }
    };
    let from = file.anchor - Duration::days(330);
    let summary = summary::compute(&state, from, Utc::now()).await?;
    say(
        progress,
        &format!("④ 完成 Done in {:.1} s", began.elapsed().as_secs_f64()),
    );
    Ok(Demo {
        state,
        addr,
        url,
        file,
        created,
        seeded,
        phones,
        summary,
        stop: Some(stop_tx),
        server,
        alerts,
    })
}

/// Writes a progress line.
fn say(out: &mut dyn Write, line: &str) {
    // Progress is a courtesy; a closed stdout must not stop the demo.
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

/// `fieldvisit-server demo`.
pub async fn main(data: PathBuf, args: DemoArgs) -> Result<ExitCode, String> {
    let mut out = std::io::stdout();
    let demo = start(&data, &args, &mut out)
        .await
        .map_err(|e| e.to_string())?;
    let mut lock = out.lock();
    let printed = access::print_access(&demo, &data, &mut lock)
        .and_then(|()| summary::render(&demo.summary, &mut lock))
        .and_then(|()| lock.flush());
    drop(lock);
    if let Err(e) = printed {
        tracing::warn!(error = %e, "cannot print the summary");
    }
    if args.exit_after_sync {
        demo.stop().await.map_err(|e| e.to_string())?;
    } else {
        println!();
        println!("服务中，按 Ctrl-C 停止 Serving; press Ctrl-C to stop.");
        demo.serve_until(fieldvisit_server::cli::serve::shutdown_signal())
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(ExitCode::SUCCESS)
}
